//! Realising derivations: the build sandbox, fetchers, and the scheduler
//! that builds a graph of derivations into the store.
//!
//! - [`sandbox`] runs one builder process in an isolated environment
//!   (bubblewrap) with exactly Nix's builder environment.

pub mod sandbox;

mod nixhash;
