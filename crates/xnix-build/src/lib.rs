//! Realising derivations: the build sandbox, fetchers, and the scheduler
//! that builds a graph of derivations into the store.
//!
//! - [`sandbox`] runs one builder process in an isolated environment
//!   (Linux user, mount, PID, IPC, UTS and network namespaces, set up
//!   directly) with exactly Nix's builder environment.
//! - [`fetch`] downloads fixed-output sources (`mirror://`, HTTP(S),
//!   `file://`) and verifies them against their declared hash.
//! - [`http_cache`] reads binary caches over HTTP(S) (a backend for
//!   `xnix_store::binary_cache`).
//! - [`substitute`] fetches outputs from binary caches before building.
//! - [`binfmt`] runs builds for another architecture under a static
//!   qemu registered in the sandbox's own binfmt_misc instance.
//! - [`builder`] realises `.drv` paths: plans the build graph, schedules
//!   parallel builds, and registers verified outputs in the store.
//!
//! # Example
//!
//! Realising a derivation that was added to a local store (here with a
//! `/bin/sh` from the host's static busybox, as Nix's default
//! `sandbox-paths` provides):
//!
//! ```no_run
//! use xnix_build::builder::{realise, BuildEvent, BuildOptions};
//! use xnix_build::fetch::MirrorTable;
//! use xnix_build::sandbox::busybox_sandbox_paths;
//! use xnix_store::{LocalStore, LocalStoreConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = LocalStore::open(LocalStoreConfig::default())?;
//! let drv = store.parse_path("/xnix/store/00000000000000000000000000000000-hello.drv")?;
//! let options = BuildOptions {
//!     jobs: 4,
//!     keep_going: true,
//!     sandbox_paths: busybox_sandbox_paths(),
//!     mirrors: MirrorTable::from_system()?,
//!     ..BuildOptions::default()
//! };
//! let progress = |event: &BuildEvent<'_>| {
//!     if let BuildEvent::LogLine { drv, line } = event {
//!         eprintln!("{}> {line}", drv.name());
//!     }
//! };
//! let realised = realise(&store, &[drv.clone()], &options, &progress)?;
//! println!("{}", store.print_path(&realised.outputs[&drv]["out"]));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod binfmt;
pub mod builder;
pub mod fetch;
pub mod http_cache;
pub mod sandbox;
pub mod substitute;
pub mod unpack_debs;

mod ns;
