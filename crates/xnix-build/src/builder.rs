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

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use xnix_formats::{
    ContentAddressMethod, Derivation, FixedOutputHash, Hash, HashAlgo, StoreDir, StorePath,
};
use xnix_fs::ops::{self, io_err, FsError};
use xnix_store::local::canonicalise_metadata;
use xnix_store::{LocalStore, LocalStoreError, ValidPathInfo};

use xnix_platform::Machine;

use crate::binfmt::{Emulation, EmulationError};

use crate::fetch::{fetch_url, FetchError, FetchOptions, MirrorTable};
use crate::sandbox::{
    run_build, BuildJob, BuilderStatus, SandboxConfig, SandboxError, SandboxPath,
};
use crate::substitute::{substitute_paths, SubstituteOutcome, Substituter};

/// An error reported by a [`BuildStore`] implementation, with the
/// store's own error inside (match on it, never on its text).
#[derive(Debug, thiserror::Error)]
pub enum StoreAccessError {
    /// The local store failed.
    #[error(transparent)]
    Local(Box<LocalStoreError>),
    /// A lock file or another file of the store's could not be used.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Another store implementation failed.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl From<LocalStoreError> for StoreAccessError {
    fn from(e: LocalStoreError) -> Self {
        StoreAccessError::Local(Box::new(e))
    }
}

/// What registering a freshly built output records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRegistration {
    /// The output path.
    pub path: StorePath,
    /// SHA-256 of its NAR serialisation.
    pub nar_hash: Hash,
    /// Size of its NAR serialisation.
    pub nar_size: u64,
    /// Store paths it refers to (possibly itself).
    pub references: BTreeSet<StorePath>,
    /// The derivation that produced it.
    pub deriver: Option<StorePath>,
    /// Content address (`fixed:r:sha256:...`) of fixed outputs.
    pub ca: Option<String>,
}

/// What the realiser needs from a store. Implemented for the local store;
/// tests may implement it over a scratch registry.
pub trait BuildStore: Sync {
    /// The logical store directory (e.g. `/nix/store`).
    fn store_dir(&self) -> &StoreDir;
    /// Where store paths physically live.
    fn real_store_dir(&self) -> &Path;
    /// The state directory; build logs go to its `log/`, build locks to
    /// its `build-locks/` and scratch directories to its `builds/`.
    fn state_dir(&self) -> &Path;
    /// Where the store path `path` physically lives.
    fn real_path(&self, path: &StorePath) -> PathBuf {
        self.real_store_dir().join(path.base_name())
    }
    /// Whether `path` is registered as valid.
    fn is_valid_path(&self, path: &StorePath) -> Result<bool, StoreAccessError>;
    /// The references of a valid path.
    fn query_references(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreAccessError>;
    /// The deriver recorded for a valid path.
    fn query_deriver(&self, path: &StorePath) -> Result<Option<StorePath>, StoreAccessError>;
    /// Registers the outputs of one build as valid, all or none.
    fn register_outputs(&self, outputs: &[OutputRegistration]) -> Result<(), StoreAccessError>;

    /// Takes exclusive build locks on `paths`, blocking until they are
    /// free, held until the returned value is dropped. The default flocks
    /// `<state dir>/build-locks/<base name>.lock`, the files the local
    /// store's own path locks use.
    fn lock_paths(&self, paths: &BTreeSet<StorePath>) -> Result<Box<dyn Send>, StoreAccessError> {
        Ok(Box::new(lock_files(
            &self.state_dir().join("build-locks"),
            paths,
        )?))
    }

    /// Protects `path` from garbage collection while this process runs.
    /// The default does nothing.
    fn add_temp_root(&self, _path: &StorePath) -> Result<(), StoreAccessError> {
        Ok(())
    }

    /// Tries to make `paths` valid by fetching them from `substituters`
    /// (verified before registration). The default substitutes nothing.
    fn substitute(
        &self,
        _paths: &BTreeSet<StorePath>,
        _substituters: &[Substituter],
    ) -> SubstituteOutcome {
        SubstituteOutcome::default()
    }
}

impl BuildStore for LocalStore {
    fn store_dir(&self) -> &StoreDir {
        LocalStore::store_dir(self)
    }

    fn real_store_dir(&self) -> &Path {
        LocalStore::real_store_dir(self)
    }

    fn state_dir(&self) -> &Path {
        LocalStore::state_dir(self)
    }

    fn real_path(&self, path: &StorePath) -> PathBuf {
        LocalStore::real_path(self, path)
    }

    fn is_valid_path(&self, path: &StorePath) -> Result<bool, StoreAccessError> {
        Ok(LocalStore::is_valid_path(self, path)?)
    }

    fn query_references(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreAccessError> {
        match self.query_path_info(path)? {
            Some(info) => Ok(info.references),
            None => Err(LocalStoreError::NotValid(self.print_path(path)).into()),
        }
    }

    fn query_deriver(&self, path: &StorePath) -> Result<Option<StorePath>, StoreAccessError> {
        Ok(self.query_path_info(path)?.and_then(|i| i.deriver))
    }

    fn register_outputs(&self, outputs: &[OutputRegistration]) -> Result<(), StoreAccessError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let infos: Vec<ValidPathInfo> = outputs
            .iter()
            .map(|o| ValidPathInfo {
                path: o.path.clone(),
                nar_hash: o.nar_hash.clone(),
                nar_size: o.nar_size,
                references: o.references.clone(),
                deriver: o.deriver.clone(),
                registration_time: now,
                ca: o.ca.clone(),
                sigs: Vec::new(),
                ultimate: true,
            })
            .collect();
        Ok(self.register_valid_paths(&infos)?)
    }

    fn lock_paths(&self, paths: &BTreeSet<StorePath>) -> Result<Box<dyn Send>, StoreAccessError> {
        Ok(Box::new(LocalStore::lock_paths(self, paths)?))
    }

    fn add_temp_root(&self, path: &StorePath) -> Result<(), StoreAccessError> {
        Ok(LocalStore::add_temp_root(self, path)?)
    }

    fn substitute(
        &self,
        paths: &BTreeSet<StorePath>,
        substituters: &[Substituter],
    ) -> SubstituteOutcome {
        substitute_paths(self, paths, substituters)
    }
}

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
    /// The system this machine builds for natively, e.g. `x86_64-linux`
    /// (default: [`xnix_platform::host_double`]). Derivations for systems
    /// whose programs it executes natively (nixpkgs' `canExecute`, e.g.
    /// `i686-linux` on `x86_64-linux`) are built too.
    pub system: String,
    /// Further systems whose builders this machine can run.
    pub extra_platforms: Vec<String>,
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
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            jobs: 1,
            keep_going: false,
            keep_failed: false,
            cores: crate::sandbox::default_cores(),
            timeout: None,
            max_silent_time: None,
            sandbox_paths: Vec::new(),
            system: xnix_platform::host_double(),
            extra_platforms: Vec::new(),
            system_features: default_system_features(),
            // This machine's table: debian from its APT sources, others
            // from XNIX_MIRROR_* (empty if the sources cannot be read).
            mirrors: MirrorTable::from_system().unwrap_or_default(),
            fetch: FetchOptions::default(),
            log_tail_lines: 10,
            substituters: Vec::new(),
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

/// Why one derivation was not realised.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The store could not answer.
    #[error("store error while building '{drv}': {source}")]
    Store {
        /// The derivation.
        drv: String,
        /// The store's error.
        source: StoreAccessError,
    },
    /// A `.drv` file could not be read or parsed.
    #[error("cannot read derivation '{drv}': {reason}")]
    ReadDerivation {
        /// The derivation.
        drv: String,
        /// What went wrong.
        reason: String,
    },
    /// An input path is not valid and cannot be built here.
    #[error(
        "cannot build '{drv}': its input '{path}' is not valid in the store; add or build it first"
    )]
    MissingInput {
        /// The derivation.
        drv: String,
        /// The missing input.
        path: String,
    },
    /// The derivation is for another architecture, and this machine cannot
    /// emulate it.
    #[error("cannot build '{drv}': {source}")]
    Emulation {
        /// The derivation.
        drv: String,
        /// What was tried, and what to do.
        source: Box<EmulationError>,
    },
    /// The derivation is for a system this machine cannot build for.
    #[error("a '{platform}' is required to build '{drv}', but this machine builds for {systems}")]
    WrongPlatform {
        /// The derivation.
        drv: String,
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
        drv: String,
        /// The features it needs that are missing.
        missing: String,
        /// What this machine offers.
        available: String,
    },
    /// The derivation uses something this builder does not support.
    #[error("cannot build '{drv}': {what}")]
    Unsupported {
        /// The derivation.
        drv: String,
        /// What is unsupported.
        what: String,
    },
    /// The sandboxed builder failed, or could not be started.
    #[error("{source}")]
    Builder {
        /// The derivation.
        drv: StorePath,
        /// Its build log ([`build_log_path`]).
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
        drv: String,
        /// The fetcher's error.
        source: FetchError,
    },
    /// A dependency failed, so this derivation was not attempted.
    #[error("cannot build '{drv}': its dependency '{dependency}' failed")]
    DependencyFailed {
        /// The derivation.
        drv: String,
        /// The failed dependency.
        dependency: String,
    },
    /// A fixed output does not have the declared hash.
    #[error(
        "hash mismatch in fixed-output derivation '{drv}':\n  specified: {}\n  got:       {}",
        .expected.to_sri(),
        .actual.to_sri()
    )]
    OutputHashMismatch {
        /// The derivation.
        drv: String,
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
        drv: String,
        /// The references found.
        paths: String,
    },
    /// An output breaks its derivation's `allowedReferences`-style
    /// constraint.
    #[error("output '{output}' is not allowed to refer to the following paths ({attr} of '{drv}'):\n  {paths}")]
    ReferenceConstraint {
        /// The derivation.
        drv: String,
        /// The output path.
        output: String,
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
        drv: String,
        /// The output path.
        output: String,
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
        drv: String,
        /// The output path.
        output: String,
    },
}

impl BuildError {
    /// The log of a builder that ran and failed (exit status, time-out,
    /// silence); the error's message already names it. `None` for every
    /// other failure, whose log, if any, is at [`build_log_path`].
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
    let shown = store.store_dir().print(drv_path);
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

/// What has to be built and how derivations depend on each other.
struct Plan {
    drvs: BTreeMap<StorePath, Derivation>,
    to_build: BTreeSet<StorePath>,
    deps: BTreeMap<StorePath, BTreeSet<StorePath>>,
}

fn store_err(store_dir: &StoreDir, drv: &StorePath) -> impl FnOnce(StoreAccessError) -> BuildError {
    let drv = store_dir.print(drv);
    move |source| BuildError::Store { drv, source }
}

fn output_paths(
    store_dir: &StoreDir,
    drv_path: &StorePath,
    drv: &Derivation,
) -> Result<BTreeMap<String, StorePath>, BuildError> {
    drv.outputs
        .iter()
        .map(|(name, o)| {
            o.path.clone().map(|p| (name.clone(), p)).ok_or_else(|| BuildError::Unsupported {
                drv: store_dir.print(drv_path),
                what: format!(
                    "output '{name}' has no path (floating content-addressed outputs are not supported)"
                ),
            })
        })
        .collect()
}

fn plan<S: BuildStore + ?Sized>(
    store: &S,
    roots: &[StorePath],
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<Plan, Box<(StorePath, BuildError)>> {
    let sd = store.store_dir();
    let mut drvs: BTreeMap<StorePath, Derivation> = BTreeMap::new();
    let mut wanted: BTreeMap<StorePath, BTreeSet<String>> = BTreeMap::new();
    let mut to_build = BTreeSet::new();
    let mut queue: VecDeque<StorePath> = VecDeque::new();
    for root in roots {
        let drv = read_derivation(store, root).map_err(|e| Box::new((root.clone(), e)))?;
        let all: BTreeSet<String> = drv.outputs.keys().cloned().collect();
        drvs.insert(root.clone(), drv);
        wanted.entry(root.clone()).or_default().extend(all);
        queue.push_back(root.clone());
    }
    while let Some(drv_path) = queue.pop_front() {
        if to_build.contains(&drv_path) {
            // Inputs were followed already; they do not depend on which of
            // this derivation's outputs are wanted.
            continue;
        }
        let drv = &drvs[&drv_path];
        let outputs =
            output_paths(sd, &drv_path, drv).map_err(|e| Box::new((drv_path.clone(), e)))?;
        let mut missing = BTreeSet::new();
        for name in &wanted[&drv_path] {
            let Some(path) = outputs.get(name) else {
                return Err(Box::new((
                    drv_path.clone(),
                    BuildError::ReadDerivation {
                        drv: sd.print(&drv_path),
                        reason: format!(
                            "a dependent wants its output '{name}', which it does not have"
                        ),
                    },
                )));
            };
            if !store
                .is_valid_path(path)
                .map_err(|e| Box::new((drv_path.clone(), store_err(sd, &drv_path)(e))))?
            {
                missing.insert(path.clone());
            }
        }
        if missing.is_empty() {
            continue;
        }
        // Substitute before building: when every missing output can be
        // fetched, the derivation's inputs are not needed either.
        if !options.substituters.is_empty() {
            let outcome = store.substitute(&missing, &options.substituters);
            for (path, from) in &outcome.substituted {
                progress.on_event(&BuildEvent::Substituted { path, from });
            }
            for message in &outcome.warnings {
                progress.on_event(&BuildEvent::SubstitutionFailed {
                    drv: &drv_path,
                    message,
                });
            }
            let mut still_missing = false;
            for p in &missing {
                if !store
                    .is_valid_path(p)
                    .map_err(|e| Box::new((drv_path.clone(), store_err(sd, &drv_path)(e))))?
                {
                    still_missing = true;
                }
            }
            if !still_missing {
                continue;
            }
        }
        to_build.insert(drv_path.clone());
        let inputs: Vec<(StorePath, BTreeSet<String>)> = drv
            .input_drvs
            .iter()
            .map(|(p, o)| (p.clone(), o.clone()))
            .collect();
        for (input, outs) in inputs {
            if !drvs.contains_key(&input) {
                let d = read_derivation(store, &input).map_err(|e| Box::new((input.clone(), e)))?;
                drvs.insert(input.clone(), d);
            }
            let entry = wanted.entry(input.clone()).or_default();
            let before = entry.len();
            entry.extend(outs);
            if entry.len() != before {
                queue.push_back(input);
            }
        }
    }
    let deps = to_build
        .iter()
        .map(|d| {
            let ds = drvs[d]
                .input_drvs
                .keys()
                .filter(|i| to_build.contains(*i))
                .cloned()
                .collect();
            (d.clone(), ds)
        })
        .collect();
    Ok(Plan {
        drvs,
        to_build,
        deps,
    })
}

/// Realises the derivations `drvs` (their `.drv` files must be in the
/// store): builds whatever outputs are not valid yet, with their
/// dependencies first, and returns every requested derivation's outputs.
pub fn realise<S: BuildStore + ?Sized>(
    store: &S,
    drvs: &[StorePath],
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<Realised, RealiseError> {
    let plan = plan(store, drvs, options, progress).map_err(|failure| RealiseError {
        failures: vec![*failure],
        built: Vec::new(),
    })?;
    if !plan.to_build.is_empty() {
        crate::sandbox::remove_stale_scratch_dirs(&store.state_dir().join("builds"));
    }
    let order: Vec<StorePath> = plan.to_build.iter().cloned().collect();
    progress.on_event(&BuildEvent::Planned { to_build: &order });

    let mut dependents: BTreeMap<StorePath, Vec<StorePath>> = BTreeMap::new();
    for (d, ds) in &plan.deps {
        for dep in ds {
            dependents.entry(dep.clone()).or_default().push(d.clone());
        }
    }
    let state = Mutex::new(Schedule {
        ready: plan
            .deps
            .iter()
            .filter(|(_, ds)| ds.is_empty())
            .map(|(d, _)| d.clone())
            .collect(),
        waiting: plan
            .deps
            .iter()
            .map(|(d, ds)| (d.clone(), ds.len()))
            .collect(),
        running: 0,
        stop: false,
        built: Vec::new(),
        failures: Vec::new(),
    });
    let wake = Condvar::new();
    let workers = options.jobs.max(1).min(plan.to_build.len().max(1));
    let ctx = BuildContext {
        store,
        options,
        progress,
        drvs: &plan.drvs,
        // A system name xnix-platform does not know still builds
        // derivations that name it exactly.
        machine: Machine::with_extra_platforms(&options.system, &options.extra_platforms).ok(),
    };

    // A derivation this machine can neither run nor emulate fails the
    // whole realisation before anything is built (with keep-going, only
    // itself and what depends on it).
    for drv_path in plan.to_build.iter().filter(|_| !options.keep_going) {
        let shown = store.store_dir().print(drv_path);
        if let Err(e) = ctx.check_system(&shown, &plan.drvs[drv_path]) {
            return Err(RealiseError {
                failures: vec![(drv_path.clone(), e)],
                built: Vec::new(),
            });
        }
    }

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let drv_path = {
                    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        if s.stop {
                            break None;
                        }
                        if let Some(d) = s.ready.pop_front() {
                            s.running += 1;
                            break Some(d);
                        }
                        if s.running == 0 {
                            break None;
                        }
                        s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                    }
                };
                let Some(drv_path) = drv_path else {
                    wake.notify_all();
                    return;
                };
                let result = ctx.build_one(&drv_path);
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.running -= 1;
                match result {
                    Ok((outputs, built_here)) => {
                        progress.on_event(&BuildEvent::Finished {
                            drv: &drv_path,
                            outputs: &outputs,
                        });
                        if built_here {
                            s.built.push(drv_path.clone());
                        }
                        for dep in dependents.get(&drv_path).into_iter().flatten() {
                            let n = s.waiting.get_mut(dep).expect("every dependent is planned");
                            *n -= 1;
                            if *n == 0 {
                                s.ready.push_back(dep.clone());
                            }
                        }
                    }
                    Err(error) => {
                        progress.on_event(&BuildEvent::Failed {
                            drv: &drv_path,
                            error: &error,
                        });
                        s.failures.push((drv_path.clone(), error));
                        // Everything that (transitively) needs it fails too.
                        let mut stack = vec![drv_path.clone()];
                        let mut seen = BTreeSet::new();
                        while let Some(failed) = stack.pop() {
                            for dep in dependents.get(&failed).into_iter().flatten() {
                                if seen.insert(dep.clone()) {
                                    let error = BuildError::DependencyFailed {
                                        drv: store.store_dir().print(dep),
                                        dependency: store.store_dir().print(&failed),
                                    };
                                    progress.on_event(&BuildEvent::Failed {
                                        drv: dep,
                                        error: &error,
                                    });
                                    s.failures.push((dep.clone(), error));
                                    stack.push(dep.clone());
                                }
                            }
                        }
                        if !options.keep_going {
                            s.stop = true;
                            s.ready.clear();
                        }
                    }
                }
                drop(s);
                wake.notify_all();
            });
        }
    });

    let s = state.into_inner().unwrap_or_else(|e| e.into_inner());
    if !s.failures.is_empty() {
        return Err(RealiseError {
            failures: s.failures,
            built: s.built,
        });
    }
    let mut outputs = BTreeMap::new();
    for root in drvs {
        let map =
            output_paths(store.store_dir(), root, &plan.drvs[root]).map_err(|e| RealiseError {
                failures: vec![(root.clone(), e)],
                built: s.built.clone(),
            })?;
        outputs.insert(root.clone(), map);
    }
    Ok(Realised {
        outputs,
        built: s.built,
    })
}

struct Schedule {
    ready: VecDeque<StorePath>,
    waiting: BTreeMap<StorePath, usize>,
    running: usize,
    stop: bool,
    built: Vec<StorePath>,
    failures: Vec<(StorePath, BuildError)>,
}

struct BuildContext<'a, S: BuildStore + ?Sized> {
    store: &'a S,
    options: &'a BuildOptions,
    progress: &'a dyn BuildProgress,
    drvs: &'a BTreeMap<StorePath, Derivation>,
    machine: Option<Machine>,
}

impl<S: BuildStore + ?Sized> BuildContext<'_, S> {
    /// Builds one derivation; the flag says whether it was built here
    /// (false when another process built it while we waited for the locks).
    fn build_one(
        &self,
        drv_path: &StorePath,
    ) -> Result<(BTreeMap<String, StorePath>, bool), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let shown = sd.print(drv_path);
        let drv = &self.drvs[drv_path];
        // Every build that reports Finished or Failed reported Started first.
        self.progress
            .on_event(&BuildEvent::Started { drv: drv_path });
        let outputs = output_paths(sd, drv_path, drv)?;
        let serr = || store_err(sd, drv_path);

        self.check_system(&shown, drv)?;

        let missing: Vec<&str> = drv
            .env
            .get("requiredSystemFeatures")
            .map(|v| v.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| !self.options.system_features.contains(*f))
            .collect();
        if !missing.is_empty() {
            return Err(BuildError::MissingSystemFeatures {
                drv: shown,
                missing: missing.join(", "),
                available: self
                    .options
                    .system_features
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }

        if drv.env.get("__structuredAttrs").is_some_and(|v| v == "1") {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: "structured attributes (__structuredAttrs) are not supported yet".to_string(),
            });
        }

        let state_dir = store.state_dir();
        let output_set: BTreeSet<StorePath> = outputs.values().cloned().collect();
        let _locks = store.lock_paths(&output_set).map_err(serr())?;
        // Another process may have built them while we waited for the
        // locks; and of a partly valid derivation only the missing outputs
        // are replaced (the valid ones stay untouched).
        let mut already = BTreeSet::new();
        for p in outputs.values() {
            store.add_temp_root(p).map_err(serr())?;
            if store.is_valid_path(p).map_err(serr())? {
                already.insert(p.clone());
            }
        }
        if already.len() == outputs.len() {
            return Ok((outputs, false));
        }

        // The input closure: sources and the used outputs of input derivations.
        let mut roots: BTreeSet<StorePath> = drv.input_srcs.clone();
        for (input, names) in &drv.input_drvs {
            let idrv = self
                .drvs
                .get(input)
                .ok_or_else(|| BuildError::ReadDerivation {
                    drv: sd.print(input),
                    reason: "input derivation was not loaded".to_string(),
                })?;
            let iouts = output_paths(sd, input, idrv)?;
            for name in names {
                let p = iouts.get(name).ok_or_else(|| BuildError::ReadDerivation {
                    drv: shown.clone(),
                    reason: format!("input '{}' has no output '{name}'", sd.print(input)),
                })?;
                roots.insert(p.clone());
            }
        }
        let mut closure = BTreeSet::new();
        let mut stack: Vec<StorePath> = roots.into_iter().collect();
        while let Some(p) = stack.pop() {
            if closure.contains(&p) {
                continue;
            }
            store.add_temp_root(&p).map_err(serr())?;
            if !store.is_valid_path(&p).map_err(serr())? {
                return Err(BuildError::MissingInput {
                    drv: shown,
                    path: sd.print(&p),
                });
            }
            stack.extend(store.query_references(&p).map_err(serr())?);
            closure.insert(p);
        }

        // Leftovers of an interrupted earlier build are in the way.
        for p in outputs.values().filter(|p| !already.contains(*p)) {
            let rp = store.real_path(p);
            if fs::symlink_metadata(&rp).is_ok() {
                ops::remove_tree(&rp)?;
            }
        }

        let log_path = build_log_path(state_dir, drv_path);
        if let Some(parent) = log_path.parent() {
            fs::create_dir_all(parent).map_err(io_err("creating directory", parent))?;
        }
        let _ = fs::remove_file(&log_path);

        let result = if drv.builder == "builtin:unpack-debs" {
            self.run_unpack_debs(drv_path, drv, &outputs, &closure, &log_path)
        } else if drv.builder.starts_with("builtin:") {
            self.run_builtin(drv_path, drv, &outputs, &log_path)
        } else {
            self.run_sandboxed(drv_path, drv, &outputs, &already, &closure, &log_path)
        }
        .and_then(|()| self.register(drv_path, drv, &outputs, &already, &closure));
        if result.is_err() {
            for p in outputs.values().filter(|p| !already.contains(*p)) {
                let _ = ops::remove_tree(&store.real_path(p));
            }
        }
        result.map(|()| (outputs, true))
    }

    /// Whether this machine can build the derivation here: natively, as a
    /// builtin, or emulated (then the emulator was found); the error says
    /// what was tried.
    fn check_system(&self, shown: &str, drv: &Derivation) -> Result<(), BuildError> {
        let builtin = drv.builder.starts_with("builtin:");
        let systems: Vec<&str> = std::iter::once(self.options.system.as_str())
            .chain(self.options.extra_platforms.iter().map(String::as_str))
            .collect();
        let runs_here = systems.contains(&drv.platform.as_str())
            || self
                .machine
                .as_ref()
                .is_some_and(|m| m.runs_natively(&drv.platform));
        if runs_here || builtin && drv.platform == "builtin" {
            return Ok(());
        }
        match &self.machine {
            // Another architecture this machine can emulate: the sandbox
            // runs the build under qemu.
            Some(machine) if !builtin => Emulation::for_system(&drv.platform, machine)
                .map(|_| ())
                .map_err(|source| BuildError::Emulation {
                    drv: shown.to_string(),
                    source: Box::new(source),
                }),
            _ => Err(BuildError::WrongPlatform {
                drv: shown.to_string(),
                platform: drv.platform.clone(),
                systems: systems
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// How the derivation's builder is emulated, when this machine does
    /// not run its system natively but can emulate it.
    fn emulated(&self, drv: &Derivation) -> Option<Emulation> {
        let machine = self.machine.as_ref()?;
        if drv.builder.starts_with("builtin:")
            || drv.platform == self.options.system
            || self.options.extra_platforms.contains(&drv.platform)
            || machine.runs_natively(&drv.platform)
        {
            return None;
        }
        Emulation::for_system(&drv.platform, machine).ok()
    }

    fn run_sandboxed(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        already: &BTreeSet<StorePath>,
        closure: &BTreeSet<StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let real = store.real_store_dir();
        let mut config = SandboxConfig::new(sd.as_str(), real);
        config.sandbox_paths = self.options.sandbox_paths.clone();
        // xnixpkgs' contract: derivations that run the build machine's own
        // tools list the host directories they need (e.g. /usr, /bin, /lib,
        // /lib64); the sandbox shares them read-only when the machine's
        // allowed-impure-host-deps admits them, and refuses the build if not.
        if let Some(deps) = drv.env.get("__impureHostDeps") {
            for dep in deps.split_whitespace() {
                if !dep.starts_with('/') {
                    return Err(BuildError::Unsupported {
                        drv: sd.print(drv_path),
                        what: format!("__impureHostDeps entry '{dep}' is not an absolute path"),
                    });
                }
                config.impure_host_deps.push(PathBuf::from(dep));
            }
        }
        config.build_cores = self.options.cores;
        config.timeout = self.options.timeout;
        config.max_silent_time = self.options.max_silent_time;
        config.scratch_parent = store.state_dir().join("builds");
        config.log_tail_lines = self.options.log_tail_lines;
        config.emulation = self.emulated(drv);
        let job = BuildJob {
            name: sd.print(drv_path),
            builder: drv.builder.clone(),
            args: drv.args.clone(),
            env: drv.env.clone(),
            outputs: outputs
                .iter()
                .map(|(n, p)| (n.clone(), PathBuf::from(sd.print(p))))
                .collect(),
            input_paths: closure.iter().map(|p| PathBuf::from(sd.print(p))).collect(),
            fixed_output: drv.is_fixed_output(),
            extra_files: self.export_references_graph(drv_path, drv, closure)?,
        };
        let progress = self.progress;
        let produced = run_build(
            &config,
            &job,
            log_path,
            self.options.keep_failed,
            &mut |line| {
                progress.on_event(&BuildEvent::LogLine {
                    drv: drv_path,
                    line,
                })
            },
        )
        .map_err(|e| BuildError::Builder {
            drv: drv_path.clone(),
            log_path: log_path.to_path_buf(),
            status: match &e {
                SandboxError::BuilderFailed { status, .. } => Some(*status),
                _ => None,
            },
            source: Box::new(e),
        })?;
        for (name, from) in &produced.outputs {
            if already.contains(&outputs[name]) {
                // The valid copy stays; this one goes with the scratch dir.
                continue;
            }
            let to = store.real_path(&outputs[name]);
            ops::move_tree(from, &to)?;
        }
        Ok(())
    }

    fn run_builtin(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let shown = sd.print(drv_path);
        if drv.builder != "builtin:fetchurl" {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: format!(
                    "unknown builtin builder '{}' (builtin:fetchurl and builtin:unpack-debs exist)",
                    drv.builder
                ),
            });
        }
        let fixed = match (drv.outputs.get("out"), drv.outputs.len()) {
            (Some(o), 1) => o.fixed.clone(),
            _ => None,
        }
        .ok_or_else(|| BuildError::Unsupported {
            drv: shown.clone(),
            what: "builtin:fetchurl needs a fixed-output derivation with one output 'out'"
                .to_string(),
        })?;
        if drv.env.get("unpack").is_some_and(|v| v == "1") {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: "builtin:fetchurl with unpack = true is not supported".to_string(),
            });
        }
        let url = drv
            .env
            .get("url")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| BuildError::Unsupported {
                drv: shown.clone(),
                what: "builtin:fetchurl needs the attribute 'url'".to_string(),
            })?;
        let executable = drv.env.get("executable").is_some_and(|v| v == "1");
        let dest = self.store.real_path(&outputs["out"]);

        let mut log = fs::File::create(log_path).map_err(io_err("creating", log_path))?;
        let line = format!("downloading '{url}'");
        let _ = writeln!(log, "{line}");
        self.progress.on_event(&BuildEvent::LogLine {
            drv: drv_path,
            line: &line,
        });
        match fetch_url(
            url,
            &self.options.mirrors,
            &fixed,
            executable,
            &dest,
            &self.options.fetch,
            &mut |_, _| {},
        ) {
            Ok(fetched) => {
                let line = format!("downloaded {} bytes from '{}'", fetched.size, fetched.url);
                let _ = writeln!(log, "{line}");
                self.progress.on_event(&BuildEvent::LogLine {
                    drv: drv_path,
                    line: &line,
                });
                Ok(())
            }
            Err(FetchError::HashMismatch {
                expected, actual, ..
            }) => {
                let _ = writeln!(
                    log,
                    "hash mismatch: specified {}, got {}",
                    expected.to_sri(),
                    actual.to_sri()
                );
                Err(BuildError::OutputHashMismatch {
                    drv: shown,
                    expected,
                    actual,
                })
            }
            Err(source) => {
                let _ = writeln!(log, "{source}");
                Err(BuildError::Fetch { drv: shown, source })
            }
        }
    }

    /// `builtin:unpack-debs` (see [`crate::unpack_debs`]).
    fn run_unpack_debs(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        closure: &BTreeSet<StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let shown = sd.print(drv_path);
        let unsupported = |what: String| BuildError::Unsupported {
            drv: shown.clone(),
            what,
        };
        let out = match (outputs.get("out"), outputs.len()) {
            (Some(o), 1) => o,
            _ => {
                return Err(unsupported(
                    "builtin:unpack-debs needs exactly one output 'out'".to_string(),
                ))
            }
        };
        let real = self.store.real_store_dir();
        let mut debs = Vec::new();
        for p in drv
            .env
            .get("debs")
            .map(String::as_str)
            .unwrap_or("")
            .split_whitespace()
        {
            let path = sd.parse(p).map_err(|_| {
                unsupported(format!(
                    "builtin:unpack-debs: '{p}' in 'debs' is not a store path"
                ))
            })?;
            if !closure.contains(&path) {
                return Err(unsupported(format!(
                    "builtin:unpack-debs: '{p}' is not an input of the derivation"
                )));
            }
            debs.push(real.join(path.base_name()));
        }
        let deb_refs: Vec<&Path> = debs.iter().map(PathBuf::as_path).collect();
        let mut log = fs::File::create(log_path).map_err(io_err("creating", log_path))?;
        match crate::unpack_debs::unpack_debs(&deb_refs, &real.join(out.base_name())) {
            Ok(lines) => {
                for line in lines {
                    let _ = writeln!(log, "{line}");
                    self.progress.on_event(&BuildEvent::LogLine {
                        drv: drv_path,
                        line: &line,
                    });
                }
                Ok(())
            }
            Err(message) => {
                let _ = writeln!(log, "{message}");
                Err(unsupported(message))
            }
        }
    }

    /// Nix's `exportReferencesGraph = [ name1 path1 name2 path2 ... ]`: for
    /// each pair a file `name` in the build directory describing the
    /// closure of `path` (which must be in the input closure; derivations in
    /// it bring their outputs' closures too) in the registration format of
    /// `nix-store --register-validity`: per path, sorted, the path, an empty
    /// deriver line, the number of references and the references.
    fn export_references_graph(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        closure: &BTreeSet<StorePath>,
    ) -> Result<BTreeMap<String, String>, BuildError> {
        let mut files = BTreeMap::new();
        let Some(value) = drv.env.get("exportReferencesGraph") else {
            return Ok(files);
        };
        let sd = self.store.store_dir();
        let bad = |reason: String| BuildError::ReadDerivation {
            drv: sd.print(drv_path),
            reason,
        };
        let words: Vec<&str> = value.split_whitespace().collect();
        if !words.len().is_multiple_of(2) {
            return Err(bad(format!(
                "odd number of tokens in 'exportReferencesGraph': '{value}'"
            )));
        }
        for pair in words.chunks(2) {
            let (name, target) = (pair[0], pair[1]);
            let valid_name = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !valid_name {
                return Err(bad(format!(
                    "invalid file name '{name}' in 'exportReferencesGraph'"
                )));
            }
            let (root, _) = sd.split_inner(target).map_err(|_| {
                bad(format!(
                    "'exportReferencesGraph' contains a non-store path '{target}'"
                ))
            })?;
            if !closure.contains(&root) {
                return Err(bad(format!(
                    "cannot export references of path '{}' because it is not in the input closure of the derivation",
                    sd.print(&root)
                )));
            }
            let mut paths = BTreeSet::new();
            self.add_closure(drv_path, &root, &mut paths)?;
            for p in paths.clone() {
                if p.is_derivation() {
                    let d = read_derivation(self.store, &p)?;
                    for out in output_paths(sd, &p, &d)?.values() {
                        self.add_closure(drv_path, out, &mut paths)?;
                    }
                }
            }
            let mut text = String::new();
            for p in &paths {
                let refs = self
                    .store
                    .query_references(p)
                    .map_err(store_err(sd, drv_path))?;
                text.push_str(&format!("{}\n\n{}\n", sd.print(p), refs.len()));
                for r in &refs {
                    text.push_str(&sd.print(r));
                    text.push('\n');
                }
            }
            files.insert(name.to_string(), text);
        }
        Ok(files)
    }

    fn add_closure(
        &self,
        drv_path: &StorePath,
        root: &StorePath,
        into: &mut BTreeSet<StorePath>,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let mut stack = vec![root.clone()];
        while let Some(p) = stack.pop() {
            if into.insert(p.clone()) {
                stack.extend(
                    self.store
                        .query_references(&p)
                        .map_err(store_err(sd, drv_path))?,
                );
            }
        }
        Ok(())
    }

    /// Canonicalises, scans, verifies and registers the outputs now at
    /// their final place.
    fn register(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        already: &BTreeSet<StorePath>,
        closure: &BTreeSet<StorePath>,
    ) -> Result<(), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let shown = sd.print(drv_path);
        let candidates: BTreeSet<StorePath> =
            closure.iter().chain(outputs.values()).cloned().collect();
        let mut infos = Vec::new();
        for (name, path) in outputs.iter().filter(|(_, p)| !already.contains(*p)) {
            let rp = store.real_path(path);
            let finish_err = |source| BuildError::FinishOutput {
                drv: shown.clone(),
                output: sd.print(path),
                source: Box::new(source),
            };
            canonicalise_metadata(&rp).map_err(finish_err)?;
            let (nar_hash, nar_size, references) =
                LocalStore::hash_and_scan(&rp, &candidates).map_err(finish_err)?;
            let fixed = drv.outputs[name].fixed.as_ref();
            if let Some(fixed) = fixed {
                let actual = fixed_output_hash(&rp, fixed, &nar_hash).map_err(|e| match e {
                    FixedHashError::Store(source) => finish_err(source),
                    FixedHashError::NotRegular => BuildError::FlatOutputNotRegular {
                        drv: shown.clone(),
                        output: sd.print(path),
                    },
                })?;
                if actual != fixed.hash {
                    return Err(BuildError::OutputHashMismatch {
                        drv: shown,
                        expected: fixed.hash.clone(),
                        actual,
                    });
                }
                if !references.is_empty() {
                    return Err(BuildError::FixedOutputReferences {
                        drv: shown,
                        paths: references
                            .iter()
                            .map(|p| sd.print(p))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            infos.push(OutputRegistration {
                path: path.clone(),
                nar_hash,
                nar_size,
                references,
                deriver: Some(drv_path.clone()),
                ca: fixed.map(FixedOutputHash::to_ca_string),
            });
        }
        self.check_reference_constraints(drv_path, drv, outputs, &infos)?;
        store
            .register_outputs(&infos)
            .map_err(store_err(sd, drv_path))
    }

    /// Nix's `allowedReferences`, `allowedRequisites`,
    /// `disallowedReferences` and `disallowedRequisites`: each a list of
    /// store paths or output names; an absent attribute means no check.
    fn check_reference_constraints(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        infos: &[OutputRegistration],
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let shown = sd.print(drv_path);
        let own: BTreeMap<&StorePath, &BTreeSet<StorePath>> =
            infos.iter().map(|i| (&i.path, &i.references)).collect();
        for (attr, recursive, allowed) in [
            ("allowedReferences", false, true),
            ("allowedRequisites", true, true),
            ("disallowedReferences", false, false),
            ("disallowedRequisites", true, false),
        ] {
            let Some(value) = drv.env.get(attr) else {
                continue;
            };
            let mut spec = BTreeSet::new();
            for word in value.split_whitespace() {
                let path = match outputs.get(word) {
                    Some(p) => p.clone(),
                    None => sd.parse(word).map_err(|_| BuildError::ReadDerivation {
                        drv: shown.clone(),
                        reason: format!(
                            "'{attr}' contains an illegal reference specifier '{word}', expected a \
                             store path or an output name (one of {})",
                            outputs.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    })?,
                };
                spec.insert(path);
            }
            for info in infos {
                let used = if recursive {
                    let mut seen = BTreeSet::new();
                    let mut stack = vec![info.path.clone()];
                    while let Some(p) = stack.pop() {
                        if !seen.insert(p.clone()) {
                            continue;
                        }
                        match own.get(&p) {
                            Some(refs) => stack.extend(refs.iter().cloned()),
                            None => stack.extend(
                                self.store
                                    .query_references(&p)
                                    .map_err(store_err(sd, drv_path))?,
                            ),
                        }
                    }
                    // Legacy (non-structured) checks ignore self-references
                    // in requisites, as Nix does.
                    seen.remove(&info.path);
                    seen
                } else {
                    info.references.clone()
                };
                let bad: Vec<String> = used
                    .iter()
                    .filter(|p| spec.contains(*p) != allowed)
                    .map(|p| sd.print(p))
                    .collect();
                if !bad.is_empty() {
                    return Err(BuildError::ReferenceConstraint {
                        drv: shown,
                        output: sd.print(&info.path),
                        attr: attr.to_string(),
                        paths: bad.join("\n  "),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why a fixed output's hash could not be computed.
enum FixedHashError {
    Store(LocalStoreError),
    NotRegular,
}

fn fixed_output_hash(
    path: &Path,
    fixed: &FixedOutputHash,
    nar_sha256: &Hash,
) -> Result<Hash, FixedHashError> {
    match fixed.method {
        ContentAddressMethod::Recursive if fixed.hash.algo() == HashAlgo::Sha256 => {
            Ok(nar_sha256.clone())
        }
        ContentAddressMethod::Recursive => xnix_fs::nar::nar_hash_with(path, fixed.hash.algo())
            .map(|(h, _)| h)
            .map_err(|e| FixedHashError::Store(e.into())),
        ContentAddressMethod::Flat => {
            let store_err = |e: FsError| FixedHashError::Store(e.into());
            let meta = fs::symlink_metadata(path)
                .map_err(io_err("getting status of", path))
                .map_err(store_err)?;
            if !meta.is_file() || meta.permissions().mode() & 0o111 != 0 {
                return Err(FixedHashError::NotRegular);
            }
            let f = fs::File::open(path)
                .map_err(io_err("reading", path))
                .map_err(store_err)?;
            Hash::digest_reader(fixed.hash.algo(), f)
                .map_err(io_err("hashing", path))
                .map_err(store_err)
        }
    }
}

/// Exclusive locks on the lock files of `paths` in `dir`, taken in sorted
/// order (a `BTreeSet` iterates so) so that two builders never deadlock.
fn lock_files(dir: &Path, paths: &BTreeSet<StorePath>) -> Result<Vec<fs::File>, FsError> {
    fs::create_dir_all(dir).map_err(io_err("creating directory", dir))?;
    paths
        .iter()
        .map(|p| {
            let lp = dir.join(format!("{}.lock", p.base_name()));
            Ok(ops::lock_file(&lp, true)?.expect("a waiting lock always returns a file"))
        })
        .collect()
}
