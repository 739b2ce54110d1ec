//! The store on disk: the local store (a directory plus a SQLite registry of
//! valid paths, with locks, temporary and GC roots, garbage collection and
//! verification) and binary caches in Nix's layout. The byte formats it
//! stores and exchanges are `xnix-formats`'; NARs of real trees are
//! `xnix-fs`'.
//!
//! - [`local`]: the local store, [`LocalStore`].
//! - [`binary_cache`]: binary caches in Nix's layout (push, pull, verify).
//!
//! Architecture Invariant: a path is registered valid only after its
//! content is complete and in place; a process killed at any moment leaves
//! nothing partial registered.
#![deny(missing_docs)]

pub mod binary_cache;
pub mod local;

pub use local::{LocalStore, LocalStoreConfig, LocalStoreError, ValidPathInfo};
