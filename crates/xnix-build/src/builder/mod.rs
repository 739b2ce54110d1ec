//! Realising derivations: from `.drv` paths in a store to valid output
//! paths.
//!
//! [`realise`] reads the derivations and their input derivations, skips
//! every derivation whose wanted outputs are already valid or can be
//! substituted from [`BuildOptions::substituters`] (then its inputs are not
//! needed at all), and builds the rest with up to [`BuildOptions::jobs`] builds at a time, dependencies
//! first. Each build:
//!
//! 1. locks its output paths (so two processes never build the same path);
//! 2. runs its builder in the [`sandbox`](crate::sandbox) with the closure
//!    of its inputs visible, or, for `builtin:fetchurl`, runs the
//!    [`fetch`](crate::fetch)er;
//! 3. moves the outputs into the store, canonicalises their metadata
//!    (read-only, modification time 1), scans them for references to the
//!    input closure and to its own outputs while computing their NAR hash
//!    and size, checks fixed-output hashes;
//! 4. registers all outputs at once with the derivation as deriver — and
//!    only if everything above succeeded.
//!
//! Logs go to `<state dir>/log/<drv base name>` ([`build_log_path`],
//! [`find_build_log`]); progress goes to a [`BuildProgress`].

mod build_one;
mod error;
mod plan;
mod register;
mod schedule;
mod store;

pub use error::BuildError;
pub use schedule::{build_derivation, realise};
pub use store::{BuildStore, OutputRegistration, StoreAccessError};

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use xnix_formats::{Derivation, StorePath};

use crate::fetch::{FetchOptions, MirrorTable};
use crate::sandbox::SandboxPath;
use crate::substitute::Substituter;

/// How to realise.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Builds run at the same time (at least 1).
    pub jobs: usize,
    /// After a failure, keep building what does not depend on it.
    pub keep_going: bool,
    /// Keep the scratch directory of failed builds.
    pub keep_failed: bool,
    /// `NIX_BUILD_CORES` for each build (default: the number of CPUs).
    pub cores: u32,
    /// Kill a builder after this long.
    pub timeout: Option<Duration>,
    /// Kill a builder that prints nothing for this long.
    pub max_silent_time: Option<Duration>,
    /// Host paths visible read-only in every sandbox (Nix's
    /// `sandbox-paths`).
    pub sandbox_paths: Vec<SandboxPath>,
    /// Host paths a derivation's `__impureHostDeps` may name, each with
    /// what is under it (Nix's `allowed-impure-host-deps`; default `/usr`,
    /// `/bin`, `/lib`, `/lib64`).
    pub allowed_impure_host_deps: Vec<std::path::PathBuf>,
    /// The system this machine builds for natively, e.g. `x86_64-linux`
    /// (default: [`xnix_platform::host_double`]). Derivations for systems
    /// whose programs it executes natively (nixpkgs' `canExecute`, e.g.
    /// `i686-linux` on `x86_64-linux`) are built too.
    pub system: String,
    /// Further systems whose builders this machine runs by its own means
    /// (a CPU mode, the kernel's global binfmt_misc): built here as if
    /// native, before remote builders.
    pub extra_platforms: Vec<String>,
    /// The systems built here under qemu-user registered in each build's
    /// own binfmt_misc instance (the `extra-platforms` setting's emulated
    /// part); `None`: every system an emulator is found for. Remote
    /// builders that take a system natively are preferred to emulation.
    pub emulated_platforms: Option<Vec<String>>,
    /// Where the static qemus come from: asked once, when the first
    /// emulated derivation is checked (xnix-app brings Debian's
    /// qemu-user-static from the lock); its directories are searched
    /// before the machine's (`/usr/bin`, `/usr/local/bin`).
    pub emulators: Option<std::sync::Arc<dyn EmulatorSource>>,
    /// Features this machine offers to derivations' `requiredSystemFeatures`
    /// (default, as Nix: `nixos-test`, `benchmark`, `big-parallel`, and
    /// `kvm` when `/dev/kvm` exists).
    pub system_features: BTreeSet<String>,
    /// Mirrors for `builtin:fetchurl` (default: [`MirrorTable::from_system`]).
    pub mirrors: MirrorTable,
    /// Download settings for `builtin:fetchurl`.
    pub fetch: FetchOptions,
    /// Log lines carried in failure reports.
    pub log_tail_lines: usize,
    /// Binary caches tried, in order, for outputs before building them.
    pub substituters: Vec<Substituter>,
    /// Other machines that build derivations this one cannot (or, without
    /// `build_locally`, every derivation): `--builders`.
    pub remote_builders: Option<std::sync::Arc<dyn RemoteBuilders>>,
    /// Whether this machine builds at all (`-j 0` with builders: no).
    pub build_locally: bool,
    /// Rebuild the requested derivations whose outputs are all valid and
    /// fail with [`BuildError::NotDeterministic`] when an output differs
    /// from the valid one (Nix's `--check`); the valid outputs stay. With
    /// `keep_failed`, a differing output is kept beside it as `<path>.check`.
    pub check: bool,
}

/// Where static qemu-user programs (`qemu-<arch>-static`) are, besides
/// the machine's own directories.
pub trait EmulatorSource: Send + Sync + std::fmt::Debug {
    /// The directories holding them (brought into the store first if
    /// need be), or why there are none; called at most once per
    /// realisation.
    fn static_qemu_dirs(&self) -> Result<Vec<std::path::PathBuf>, String>;
}

/// Builds on other machines, as the scheduler asks for them: the
/// implementation copies the derivation's inputs there, builds, and makes
/// the outputs valid in the local store (xnix-remote's builders).
pub trait RemoteBuilders: Send + Sync + std::fmt::Debug {
    /// Whether some builder takes derivations for `platform` needing
    /// `features`.
    fn accepts(&self, platform: &str, features: &[&str]) -> bool;
    /// Build `drv_path` (valid in the local store, with its input
    /// outputs) remotely; on success its outputs are valid locally. Log
    /// lines go to `log`.
    fn build(
        &self,
        drv_path: &StorePath,
        platform: &str,
        features: &[&str],
        log: &mut dyn FnMut(&str),
    ) -> Result<(), String>;
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            jobs: 1,
            keep_going: false,
            keep_failed: false,
            check: false,
            cores: crate::sandbox::default_cores(),
            timeout: None,
            max_silent_time: None,
            sandbox_paths: Vec::new(),
            allowed_impure_host_deps: crate::sandbox::default_allowed_impure_host_deps(),
            system: xnix_platform::host_double(),
            extra_platforms: Vec::new(),
            emulated_platforms: None,
            emulators: None,
            system_features: default_system_features(),
            // This machine's table: debian from its APT sources, others
            // from XNIX_MIRROR_* (empty if the sources cannot be read).
            mirrors: MirrorTable::from_system().unwrap_or_default(),
            fetch: FetchOptions::default(),
            log_tail_lines: 10,
            substituters: Vec::new(),
            remote_builders: None,
            build_locally: true,
        }
    }
}

/// Nix's default `system-features`.
pub fn default_system_features() -> BTreeSet<String> {
    let mut features: BTreeSet<String> = ["nixos-test", "benchmark", "big-parallel"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if Path::new("/dev/kvm").exists() {
        features.insert("kvm".to_string());
    }
    features
}

/// A step of the realisation, for progress displays.
#[derive(Debug)]
pub enum BuildEvent<'a> {
    /// The plan: derivations that will be built, in no particular order.
    Planned {
        /// Derivations to build.
        to_build: &'a [StorePath],
    },
    /// A build was picked up (it may still wait for another process
    /// building the same outputs, or find them valid after all).
    Started {
        /// Its derivation.
        drv: &'a StorePath,
    },
    /// A build printed a line.
    LogLine {
        /// Its derivation.
        drv: &'a StorePath,
        /// The line, without its newline.
        line: &'a str,
    },
    /// A build succeeded; its outputs are valid.
    Finished {
        /// Its derivation.
        drv: &'a StorePath,
        /// Output name → path.
        outputs: &'a BTreeMap<String, StorePath>,
    },
    /// A path was fetched from a binary cache instead of being built.
    Substituted {
        /// The path (an output, or a path in an output's closure).
        path: &'a StorePath,
        /// The cache's URL.
        from: &'a str,
    },
    /// A binary cache could not supply a derivation's outputs; it is built.
    SubstitutionFailed {
        /// The derivation.
        drv: &'a StorePath,
        /// Why.
        message: &'a str,
    },
    /// A build failed (or could not start because a dependency failed).
    Failed {
        /// Its derivation.
        drv: &'a StorePath,
        /// Why.
        error: &'a BuildError,
    },
}

/// Receives [`BuildEvent`]s, possibly from several build threads at once.
pub trait BuildProgress: Sync {
    /// Called for each event.
    fn on_event(&self, event: &BuildEvent<'_>);
}

impl<F: Fn(&BuildEvent<'_>) + Sync> BuildProgress for F {
    fn on_event(&self, event: &BuildEvent<'_>) {
        self(event)
    }
}

/// A progress receiver that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl BuildProgress for NoProgress {
    fn on_event(&self, _event: &BuildEvent<'_>) {}
}

/// The result of a successful [`realise`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Realised {
    /// For each requested derivation, its outputs by name.
    pub outputs: BTreeMap<StorePath, BTreeMap<String, StorePath>>,
    /// Derivations that were built by this call (not already valid, nor
    /// built meanwhile by another process), in completion order.
    pub built: Vec<StorePath>,
}

/// Why [`realise`] did not realise everything.
#[derive(Debug)]
pub struct RealiseError {
    /// Each failed derivation with its error, in the order they failed.
    pub failures: Vec<(StorePath, BuildError)>,
    /// Derivations that were built anyway (with `keep_going`, or before the
    /// failure).
    pub built: Vec<StorePath>,
}

impl std::fmt::Display for RealiseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.failures.as_slice() {
            [(_, e)] => write!(f, "{e}"),
            all => {
                write!(f, "{} derivations failed:", all.len())?;
                for (_, e) in all {
                    write!(f, "\n- {}", e.to_string().replace('\n', "\n  "))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RealiseError {}

/// Where the build log of derivation `drv` is kept.
pub fn build_log_path(state_dir: &Path, drv: &StorePath) -> PathBuf {
    state_dir.join("log").join(drv.base_name())
}

/// The build log for `path`: a derivation's own log, or for an output path
/// the log of its recorded deriver. `None` when there is none.
pub fn find_build_log<S: BuildStore + ?Sized>(
    store: &S,
    path: &StorePath,
) -> Result<Option<PathBuf>, StoreAccessError> {
    let drv = if path.is_derivation() {
        Some(path.clone())
    } else {
        store.query_deriver(path)?
    };
    Ok(drv
        .map(|d| build_log_path(store.state_dir(), &d))
        .filter(|p| p.exists()))
}

/// Reads and parses a `.drv` file from the store.
pub fn read_derivation<S: BuildStore + ?Sized>(
    store: &S,
    drv_path: &StorePath,
) -> Result<Derivation, BuildError> {
    let shown = store.store_dir().full(drv_path);
    let name = drv_path
        .name()
        .strip_suffix(".drv")
        .ok_or_else(|| BuildError::ReadDerivation {
            drv: shown.clone(),
            reason: "not a derivation (its name does not end in .drv)".to_string(),
        })?;
    let real = store.real_path(drv_path);
    let text = fs::read_to_string(&real).map_err(|e| BuildError::ReadDerivation {
        drv: shown.clone(),
        reason: format!("{}: {e}", real.display()),
    })?;
    Derivation::parse_aterm(store.store_dir(), name, &text).map_err(|e| {
        BuildError::ReadDerivation {
            drv: shown,
            reason: e.to_string(),
        }
    })
}
