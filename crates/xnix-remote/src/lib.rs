//! Stores on other machines, reached through the serve protocol (the one
//! `nix-store --serve` speaks; its bytes are `xnix_formats::serve`'s).
//!
//! - [`client`]: [`ServeClient`], one session with a serve-protocol server
//!   (`xnix serve --stdio` or `nix-store --serve --write`), usually over SSH.
//! - [`server`]: [`serve`](server::serve), answering a client from a
//!   [`LocalStore`](xnix_store::LocalStore).
//! - [`copy`]: copying closures to and from a server: references first,
//!   only missing paths, every NAR checked on arrival.
//! - [`ssh`]: the system's OpenSSH client, one multiplexed connection per
//!   host, and `ssh://[USER@]HOST` URLs.
//! - [`sudo`]: becoming root there through sudo, with a password asked once.
//!
//! Architecture Invariant: a path arrives in a store only through
//! `LocalStore::import_nar`, which checks the NAR's hash and size and that
//! every reference is already valid before registering it; a copy broken off
//! at any moment leaves only complete, verified paths registered.
#![deny(missing_docs)]

pub mod builders;
pub mod client;
pub mod copy;
pub mod server;
pub mod ssh;
pub mod sudo;

pub use client::ServeClient;

use thiserror::Error;
use xnix_formats::serve::WireError;

/// An error talking to another store.
#[derive(Debug, Error)]
pub enum RemoteError {
    /// The protocol failed (connection dropped, garbage from the peer).
    #[error("{peer}: {source}")]
    Wire {
        /// Who we talked to.
        peer: String,
        /// What went wrong.
        source: WireError,
    },
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] xnix_store::LocalStoreError),
    /// The peer said or sent something wrong.
    #[error("{peer}: {message}")]
    Peer {
        /// Who.
        peer: String,
        /// What.
        message: String,
    },
    /// Starting or running a helper program (ssh) failed.
    #[error("{what}: {source}")]
    Spawn {
        /// What was being started.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Bad input from the user (a URL, an option).
    #[error("{0}")]
    Usage(String),
}

/// Result of remote operations.
pub type Result<T, E = RemoteError> = std::result::Result<T, E>;
