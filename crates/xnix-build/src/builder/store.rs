//! The seam to the store: what the realiser needs from one ([`BuildStore`]),
//! its implementation for the local store, and its errors.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use xnix_formats::{Hash, StoreDir, StorePath};
use xnix_fs::ops::{self, io_err, FsError};
use xnix_store::{LocalStore, LocalStoreError, ValidPathInfo};

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
            None => Err(LocalStoreError::NotValid(self.full_path(path)).into()),
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
