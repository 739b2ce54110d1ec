//! Why a derivation was not realised.

use std::path::{Path, PathBuf};

use xnix_formats::{FullStorePath, Hash, StorePath};
use xnix_fs::ops::FsError;
use xnix_store::LocalStoreError;

use super::StoreAccessError;
use crate::binfmt::EmulationError;
use crate::fetch::FetchError;
use crate::sandbox::{BuilderStatus, SandboxError};

/// Why one derivation was not realised.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A rebuild (`check`) gave an output other than the valid one.
    #[error("derivation '{drv}' may not be deterministic: output '{output}' differs when built again (NAR hash {valid} before, {rebuilt} now){kept}")]
    NotDeterministic {
        /// The derivation.
        drv: FullStorePath,
        /// The output that differs.
        output: FullStorePath,
        /// The valid output's NAR hash.
        valid: String,
        /// The rebuilt output's NAR hash.
        rebuilt: String,
        /// Where the rebuilt output was kept (`; kept at ...`), or nothing.
        kept: String,
    },
    /// The store could not answer.
    #[error("store error while building '{drv}': {source}")]
    Store {
        /// The derivation.
        drv: FullStorePath,
        /// The store's error.
        source: StoreAccessError,
    },
    /// A `.drv` file could not be read or parsed.
    #[error("cannot read derivation '{drv}': {reason}")]
    ReadDerivation {
        /// The derivation.
        drv: FullStorePath,
        /// What went wrong.
        reason: String,
    },
    /// An input path is not valid and cannot be built here.
    #[error(
        "cannot build '{drv}': its input '{path}' is not valid in the store; add or build it first"
    )]
    MissingInput {
        /// The derivation.
        drv: FullStorePath,
        /// The missing input.
        path: FullStorePath,
    },
    /// The derivation is for another architecture, and this machine cannot
    /// emulate it.
    #[error("cannot build '{drv}': {source}")]
    Emulation {
        /// The derivation.
        drv: FullStorePath,
        /// What was tried, and what to do.
        source: Box<EmulationError>,
    },
    /// The derivation is for a system this machine cannot build for.
    #[error("a '{platform}' is required to build '{drv}', but this machine builds for {systems}")]
    WrongPlatform {
        /// The derivation.
        drv: FullStorePath,
        /// Its system.
        platform: String,
        /// What this machine accepts.
        systems: String,
    },
    /// The derivation needs system features this machine does not offer.
    #[error(
        "cannot build '{drv}': it requires the system features {{{missing}}}, but this machine \
         offers {{{available}}} (see BuildOptions::system_features)"
    )]
    MissingSystemFeatures {
        /// The derivation.
        drv: FullStorePath,
        /// The features it needs that are missing.
        missing: String,
        /// What this machine offers.
        available: String,
    },
    /// The derivation uses something this builder does not support.
    #[error("cannot build '{drv}': {what}")]
    Unsupported {
        /// The derivation.
        drv: FullStorePath,
        /// What is unsupported.
        what: String,
    },
    /// The sandboxed builder failed, or could not be started.
    #[error("{source}")]
    Builder {
        /// The derivation.
        drv: StorePath,
        /// Its build log ([`build_log_path`](super::build_log_path)).
        log_path: PathBuf,
        /// How the builder ended, when it ran to its end and failed (not
        /// for time-outs, set-up failures or missing outputs).
        status: Option<BuilderStatus>,
        /// What went wrong, as the sandbox reports it.
        source: Box<SandboxError>,
    },
    /// `builtin:fetchurl` failed.
    #[error("fetching for '{drv}' failed: {source}")]
    Fetch {
        /// The derivation.
        drv: FullStorePath,
        /// The fetcher's error.
        source: Box<FetchError>,
    },
    /// A dependency failed, so this derivation was not attempted.
    #[error("cannot build '{drv}': its dependency '{dependency}' failed")]
    DependencyFailed {
        /// The derivation.
        drv: FullStorePath,
        /// The failed dependency.
        dependency: FullStorePath,
    },
    /// A fixed output does not have the declared hash.
    #[error(
        "hash mismatch in fixed-output derivation '{drv}':\n  specified: {}\n  got:       {}",
        .expected.to_sri(),
        .actual.to_sri()
    )]
    OutputHashMismatch {
        /// The derivation.
        drv: FullStorePath,
        /// The declared hash.
        expected: Hash,
        /// The hash of what was built.
        actual: Hash,
    },
    /// A fixed output refers to store paths, which would make its content
    /// address a lie.
    #[error("illegal path references in fixed-output derivation '{drv}': {paths}")]
    FixedOutputReferences {
        /// The derivation.
        drv: FullStorePath,
        /// The references found.
        paths: String,
    },
    /// An output breaks its derivation's `allowedReferences`-style
    /// constraint.
    #[error("output '{output}' is not allowed to refer to the following paths ({attr} of '{drv}'):\n  {paths}")]
    ReferenceConstraint {
        /// The derivation.
        drv: FullStorePath,
        /// The output path.
        output: FullStorePath,
        /// The attribute that forbids it.
        attr: String,
        /// The offending paths.
        paths: String,
    },
    /// A file system operation failed (what, on which path, why).
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Finishing a built output (canonicalising, hashing, scanning) failed.
    #[error("cannot finish output '{output}' of '{drv}': {source}")]
    FinishOutput {
        /// The derivation.
        drv: FullStorePath,
        /// The output path.
        output: FullStorePath,
        /// The store's error.
        source: Box<LocalStoreError>,
    },
    /// A flat fixed output is not a non-executable regular file.
    #[error(
        "output '{output}' of '{drv}' should be a non-executable regular file since recursive \
         hashing is not enabled (outputHashMode = flat)"
    )]
    FlatOutputNotRegular {
        /// The derivation.
        drv: FullStorePath,
        /// The output path.
        output: FullStorePath,
    },
}

impl BuildError {
    /// The log of a builder that ran and failed (exit status, time-out,
    /// silence); the error's message already names it. `None` for every
    /// other failure, whose log, if any, is at [`build_log_path`](super::build_log_path).
    pub fn builder_log(&self) -> Option<&Path> {
        match self {
            BuildError::Builder {
                log_path, source, ..
            } => match **source {
                SandboxError::BuilderFailed { .. }
                | SandboxError::TimedOut { .. }
                | SandboxError::Silent { .. } => Some(log_path),
                _ => None,
            },
            _ => None,
        }
    }

    /// How the builder ended, when it ran and failed with an exit code or
    /// a signal.
    pub fn builder_status(&self) -> Option<BuilderStatus> {
        match self {
            BuildError::Builder { status, .. } => *status,
            _ => None,
        }
    }
}
