//! The file system side of xnix, shared by the store, the builder and the
//! application layer: NARs of real trees ([`nar`]), tree operations, atomic
//! writes and locks with errors that name their path ([`ops`]), unpacking tar
//! archives ([`archive`]), and the kinds of entries source filters see.
//!
//! Architecture Invariant: this crate knows file systems, not stores: it
//! never opens a store's registry and never decides whether a path is valid.
#![deny(missing_docs)]

use std::fs;
use std::path::Path;

pub mod archive;
pub mod nar;
pub mod ops;

pub use ops::{io_err, FsError};

/// The kind of a file system entry, as a source filter sees it
/// (`builtins.path`'s and `filterSource`'s `type` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file (`"regular"`).
    Regular,
    /// A directory (`"directory"`).
    Directory,
    /// A symbolic link (`"symlink"`).
    Symlink,
    /// Anything else (`"unknown"`); archiving it is an error.
    Unknown,
}

impl FileKind {
    /// The kind of the entry described by `meta` (from `symlink_metadata`).
    pub fn of(meta: &fs::Metadata) -> FileKind {
        let ft = meta.file_type();
        if ft.is_file() {
            FileKind::Regular
        } else if ft.is_dir() {
            FileKind::Directory
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Unknown
        }
    }

    /// The name Nix gives the kind: `regular`, `directory`, `symlink`, `unknown`.
    pub fn nix_name(self) -> &'static str {
        match self {
            FileKind::Regular => "regular",
            FileKind::Directory => "directory",
            FileKind::Symlink => "symlink",
            FileKind::Unknown => "unknown",
        }
    }
}

/// A source filter: given the full path of an entry below the root and its
/// kind, whether to include it. The root itself is always included.
pub type PathFilter<'a> = dyn FnMut(&Path, FileKind) -> bool + 'a;
