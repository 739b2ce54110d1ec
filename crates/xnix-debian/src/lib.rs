//! Debian's archive formats and the machine's APT configuration, for
//! taking toolchains and C libraries from pinned `.deb` files.
//!
//! - [`deb822`]: control-file paragraphs;
//! - [`version`]: Debian versions and dpkg's order;
//! - [`relation`]: `Depends`-style relationship fields;
//! - [`archive`]: loading a suite's checked indexes through a caller's fetcher;
//! - [`index`]: a suite's `Release` and its `Packages` indexes;
//! - [`signature`]: an `InRelease`'s signature against APT's trusted keys (gpgv);
//! - [`compress`]: the compressions archives and APT use;
//! - [`deb`]: reading a `.deb` and unpacking it (merged-/usr aware);
//! - [`apt`]: APT's sources (the Debian mirror) and its downloaded lists;
//! - [`lock`]: the collection's lock of `.deb` files and its resolution.
//!
//! Parsing works on text and byte streams; only [`deb::unpack`], the
//! [`apt`] readers and [`signature`] (which runs gpgv) touch the file
//! system, and nothing here uses the network (callers fetch).
#![deny(missing_docs)]

pub mod apt;
pub mod archive;
pub mod compress;
pub mod deb;
pub mod deb822;
pub mod index;
pub mod lock;
pub mod relation;
pub mod signature;
pub mod version;

pub use deb::{DebError, Layout};
pub use index::{Package, Release};
pub use version::Version;
