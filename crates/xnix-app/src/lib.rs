//! The application layer of xnix: what its commands do, under the
//! command-line program (`crates/xnix`), which parses arguments, calls this
//! crate and formats what it returns.
//!
//! - [`installable`]: what a command evaluates ([`Installable`]: files,
//!   expressions, the package collection) and the evaluation [`Session`]
//!   around it, the one place evaluators are made;
//! - [`eval`]: printing values as `nix-instantiate --eval`;
//! - [`instantiate`]: selecting derivations and writing what evaluation
//!   recorded into the store ([`objects`]: sources, texts, downloads,
//!   derivations);
//! - [`realise`]: building with progress [`events`](progress::Event), and
//!   failures as data; [`build`]: instantiate + realise + result links;
//! - [`run`]: choosing the program of a package and the emulator it needs;
//! - [`host`]: this machine (its platform, emulators, installed packages);
//! - [`doctor`]: what this machine can build and run;
//! - [`cache`]: binary caches (opening by URL, copying, keys);
//! - [`settings`]: machine settings (xnix.conf, `--option`), the only
//!   place configuration is read.
//!
//! Architecture Invariant: commands do not call each other; each is a
//! composition of this crate's steps, so `build` is not "`instantiate` and
//! more" by calling its command, it calls [`instantiate::instantiate`].
#![deny(missing_docs)]

pub mod build;
pub mod cache;
pub mod debian;
pub mod doctor;
pub mod emulation;
pub mod eval;
pub mod flake;
pub mod host;
pub mod ifd;
pub mod installable;
pub mod instantiate;
pub mod objects;
pub mod progress;
pub mod realise;
pub mod run;
pub mod settings;

pub use installable::{EvalRequest, Installable, Session};
pub use xnix_eval::with_big_stack;
/// NARs of real trees (dump, hash, restore), for the store commands.
pub use xnix_fs::nar;

/// Why a command's work failed: evaluation (the message is already formatted
/// as Nix prints it, with positions), builds (each failure with its log), or
/// anything else (store, I/O).
#[derive(Debug)]
pub enum AppError {
    /// An evaluation error, formatted.
    Eval(String),
    /// One or more builds failed.
    Build(realise::BuildFailures),
    /// Anything else.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        AppError::Other(e)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Eval(msg) => f.write_str(msg),
            AppError::Build(b) => write!(f, "{b}"),
            AppError::Other(e) => write!(f, "{e:#}"),
        }
    }
}
