//! Flakes: references ([`FlakeRef`]), `flake.lock` ([`LockFile`], Nix's version 7 format,
//! byte for byte), the registry of indirect names ([`Registry`], where `nixpkgs` and
//! `xnixpkgs` mean the bundled collection), fetchers of source trees ([`Fetcher`]) and
//! locking ([`Locker`]). Evaluating a flake needs the evaluator, which depends on this
//! crate: `xnix-eval` reads `flake.nix` (through [`ReadFlake`]) and calls `outputs` with
//! [`CALL_FLAKE_NIX`].
//!
//! Architecture Invariant: nothing here writes to the store. Local trees are used where
//! they lie; downloads and Git commits are unpacked into a cache directory keyed by what
//! pins them (commit, NAR hash). What evaluation uses is copied into the store by whoever
//! writes the evaluation's store objects.
#![deny(missing_docs)]

pub mod evalcache;
pub mod fetch;
pub mod flakeref;
pub mod lock;
pub mod lockfile;
pub mod registry;

use std::path::PathBuf;

pub use fetch::{Fetcher, Tree};
pub use flakeref::{AttrValue, Attrs, FlakeRef};
pub use lock::{FlakeDecl, InputDecl, LockOptions, Locker, ReadFlake};
pub use lockfile::{LockFile, LockedInput, Node};
pub use registry::Registry;

/// What can go wrong with flakes. Every message says what, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum FlakeError {
    /// A reference that does not parse or lacks what its type needs.
    #[error("invalid flake reference '{input}': {why}")]
    BadRef {
        /// The reference as given.
        input: String,
        /// What is wrong.
        why: String,
    },
    /// A path given as a flake has no `flake.nix`.
    #[error("path '{}' is not a flake (it has no flake.nix); run 'xnix flake init' there to make one", path.display())]
    NotAFlake {
        /// The directory.
        path: PathBuf,
    },
    /// An indirect name the registry does not know.
    #[error("cannot find flake 'flake:{name}' in the flake registry (known: {}); use a URL such as 'path:/dir' or 'github:OWNER/REPO', or add it to the registry", known.join(", "))]
    NotInRegistry {
        /// The name.
        name: String,
        /// The names the registry knows.
        known: Vec<String>,
    },
    /// A malformed lock file.
    #[error(
        "lock file '{file}' is malformed: {why}; fix it, or delete it and run 'xnix flake lock'"
    )]
    BadLock {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// A lock file older than version 5.
    #[error("lock file '{file}' has version {version}, which is too old to read; delete it and run 'xnix flake lock' to write a version 7 lock file")]
    OutdatedLock {
        /// The file.
        file: String,
        /// Its version.
        version: u64,
    },
    /// A registry file that does not parse.
    #[error("flake registry '{file}' is malformed: {why}")]
    BadRegistry {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// A `flake.nix` that is not a flake.
    #[error("flake '{file}': {why}")]
    BadFlake {
        /// The `flake.nix`.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// A lock file that no longer matches `flake.nix`, when it may not be rewritten.
    #[error("lock file '{file}' does not match the inputs of its flake.nix ({why}); run 'xnix flake lock' to update it")]
    StaleLock {
        /// The lock file.
        file: String,
        /// What differs.
        why: String,
    },
    /// A fetched tree whose NAR hash differs from the pinned one.
    #[error("NAR hash mismatch in input '{input}': expected '{expected}', got '{got}'; if the change is wanted, run 'xnix flake update' (or 'xnix flake lock --update-input NAME')")]
    HashMismatch {
        /// The input.
        input: String,
        /// The pinned hash.
        expected: String,
        /// What the tree hashes to.
        got: String,
    },
    /// A local path that does not exist.
    #[error("input '{input}': path '{}' does not exist", path.display())]
    Missing {
        /// The input.
        input: String,
        /// The path.
        path: PathBuf,
    },
    /// Git failed.
    #[error("input '{input}': {why}")]
    Git {
        /// The input.
        input: String,
        /// Git's complaint.
        why: String,
    },
    /// A download failed (no network, server error).
    #[error("cannot fetch '{input}': {why}\nWithout network access, point the input at a local copy, e.g. '--override-input NAME path:/local/copy' (or git+file:///local/repo)")]
    Network {
        /// The input.
        input: String,
        /// The failure.
        why: String,
    },
    /// A local I/O failure.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The Nix code that calls a locked flake: `lockText: lockFile: rootSource: fetchLocked:
/// flake`.
/// Every node of the lock becomes a flake (its `outputs` called with `self` and its
/// inputs, merged with its source information) or, for `flake = false`, its source tree;
/// nodes are fetched only when something uses them. `rootSource` and what
/// `fetchLocked lockFile nodeKey locked` returns are source information with `__dir` (the
/// tree on this machine) and `__excluded` (top-level names that are not part of it); the
/// root's also has `__subdir`.
pub const CALL_FLAKE_NIX: &str = include_str!("call-flake.nix");

/// `YYYYMMDDHHMMSS` (UTC) of a Unix time, as `lastModifiedDate`.
pub fn date_string(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Days to civil date (proleptic Gregorian).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date_string(0), "19700101000000");
        assert_eq!(super::date_string(1796646596), "20261207122956");
    }
}
