//! Realising derivations: the build sandbox, fetchers, and the scheduler
//! that builds a graph of derivations into the store.
//!
//! - [`sandbox`] runs one builder process in an isolated environment
//!   (Linux user, mount, PID, IPC, UTS and network namespaces, set up
//!   directly) with exactly Nix's builder environment.
//! - [`fetch`] downloads fixed-output sources (`mirror://`, HTTP(S),
//!   `file://`) and verifies them against their declared hash.
//! - [`builder`] realises `.drv` paths: plans the build graph, schedules
//!   parallel builds, and registers verified outputs in the store.

pub mod builder;
pub mod fetch;
pub mod sandbox;

mod ns;
