//! Progress as events: the steps of a command report what happens through a
//! [`Reporter`], and the program decides how to show it (a live display on
//! a terminal, plain lines otherwise). Nothing in this crate prints.

use xnix_formats::StorePath;

pub use xnix_build::builder::BuildEvent;
pub use xnix_store::binary_cache::CopyEvent;

/// Which way a copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyDirection {
    /// From the local store to a binary cache.
    To,
    /// From a binary cache to the local store.
    From,
}

/// Something that happened while a command worked.
#[derive(Debug)]
pub enum Event<'a> {
    /// A download evaluation asked for (`builtins.fetchurl`,
    /// `builtins.fetchTarball`) is being fetched into the store.
    Fetching {
        /// The URL.
        url: &'a str,
        /// The store path it will have.
        path: &'a StorePath,
    },
    /// A step of realising derivations.
    Build(&'a BuildEvent<'a>),
    /// A step of copying paths to or from a binary cache.
    Copy {
        /// The step.
        event: &'a CopyEvent,
        /// Which way.
        direction: CopyDirection,
        /// The cache's URL.
        cache: &'a str,
    },
}

/// Receives [`Event`]s, possibly from several threads at once.
pub trait Reporter: Sync {
    /// Called for each event.
    fn event(&self, event: &Event<'_>);
}

/// A reporter that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: &Event<'_>) {}
}

/// Adapts a [`Reporter`] to the builder's progress interface.
pub(crate) struct BuildReporter<'r>(pub &'r dyn Reporter);

impl xnix_build::builder::BuildProgress for BuildReporter<'_> {
    fn on_event(&self, event: &BuildEvent<'_>) {
        self.0.event(&Event::Build(event));
    }
}
