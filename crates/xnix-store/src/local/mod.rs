//! The local store: a store directory on this machine plus a SQLite registry
//! of which paths in it are valid.
//!
//! # Layout
//!
//! The *logical* store directory (default `/xnix/store`) is what paths are
//! hashed with and what programs see. It may live under another *physical*
//! root, as Nix's `--store local?root=DIR`: with root `/tmp/r`, the path
//! `/xnix/store/abc-x` is the file `/tmp/r/xnix/store/abc-x`.
//!
//! The state directory (default: `<parent of store>/var/xnix` under the
//! root, e.g. `/xnix/var/xnix`) holds
//!
//! - `db/db.sqlite`: the registry (WAL mode, busy timeout); `db/open.lock`
//!   serialises its set-up by concurrent processes;
//! - `gcroots/`: symlinks to store paths (direct roots), and `gcroots/auto/`
//!   with symlinks to symlinks elsewhere (indirect roots such as `result`);
//! - `temproots/`: one file per open store, listing paths in use by it,
//!   locked for as long as the store is open;
//! - `build-locks/`: per-path lock files (see [`PathLocks`]);
//! - `gc.lock`: taken shared while adding, exclusively while collecting.
//!
//! # Invariants
//!
//! - A path is registered only after its complete contents are in place:
//!   objects are built in a temporary directory inside the store
//!   (`.xnix-tmp-*`), made read-only, renamed into place and only then
//!   registered. A crash leaves at worst an unregistered path or a temporary
//!   directory; temporaries are removed when the store is next opened and
//!   unregistered paths by the next `add` of the same path or by `gc`.
//! - The references of a registered path are registered.
//! - `gc` deletes only paths unreachable from roots, temporary roots of
//!   live stores, and never a path that is locked with [`LocalStore::lock_paths`].

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use thiserror::Error;

use xnix_formats::derivation::DerivationError;
use xnix_formats::hash::Hash;
use xnix_formats::path::{FullStorePath, StoreDir, StorePath, StorePathError};
use xnix_fs::nar::NarFsError;
use xnix_fs::ops;
use xnix_fs::{io_err, FsError};

mod add;
mod gc;
mod locks;
mod registry;

/// Prefix of temporary directories inside the physical store directory.
const TMP_PREFIX: &str = ".xnix-tmp-";

/// An error from the local store.
#[derive(Debug, Error)]
pub enum LocalStoreError {
    /// A filesystem operation failed (what, on which path, why).
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The registry database failed.
    #[error("store database '{path}': {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// Serialising or reading a tree failed.
    #[error(transparent)]
    Nar(#[from] NarFsError),
    /// A store path is invalid.
    #[error(transparent)]
    Path(#[from] StorePathError),
    /// A derivation is malformed.
    #[error(transparent)]
    Derivation(#[from] DerivationError),
    /// The registry holds something unparsable.
    #[error("store database is corrupt: {0}")]
    Corrupt(String),
    /// A path that must be valid is not.
    #[error("path '{0}' is not valid in the store (add or build it first)")]
    NotValid(FullStorePath),
    /// References of a path to be registered are not valid.
    #[error("cannot register '{path}': its reference '{reference}' is not valid")]
    MissingReference {
        /// The path being registered.
        path: FullStorePath,
        /// The reference that is neither valid nor being registered with it.
        reference: FullStorePath,
    },
    /// Flat hashing was asked for something that is not a regular file.
    #[error("'{0}' must be a regular file to be added with flat hashing")]
    NotARegularFile(PathBuf),
    /// An imported NAR does not have the announced hash or size.
    #[error("NAR for '{path}' does not match its description: expected {expected}, got {actual}")]
    NarMismatch {
        /// The store path being imported.
        path: FullStorePath,
        /// The announced NAR hash and size.
        expected: String,
        /// What the stream held.
        actual: String,
    },
    /// A path is still reachable and cannot be deleted.
    #[error("cannot delete '{0}': it is still alive (reachable from a GC root or in use)")]
    StillAlive(FullStorePath),
}

type Result<T, E = LocalStoreError> = std::result::Result<T, E>;

/// Where a local store lives.
#[derive(Debug, Clone, Default)]
pub struct LocalStoreConfig {
    /// The logical store directory; default `/xnix/store`.
    pub store_dir: Option<StoreDir>,
    /// A physical root under which the logical directories live; default `/`.
    pub root: Option<PathBuf>,
    /// The physical state directory; default `<root>/<parent of store>/var/xnix`.
    pub state_dir: Option<PathBuf>,
    /// Flush new objects to disk (every file and directory, then the store
    /// directory) before registering them, and run SQLite fully synchronous,
    /// so that even a power failure cannot leave a registered path with
    /// partial contents. Off by default, as in Nix: it costs an fsync per
    /// file. Without it, process crashes (kill -9) are still safe.
    pub fsync: bool,
}

impl LocalStoreConfig {
    /// A store with logical directory `store_dir` under physical `root`
    /// (as Nix's `local?root=ROOT&store=STORE_DIR`).
    pub fn with_root(store_dir: StoreDir, root: impl Into<PathBuf>) -> Self {
        LocalStoreConfig {
            store_dir: Some(store_dir),
            root: Some(root.into()),
            state_dir: None,
            fsync: false,
        }
    }
}

/// What the registry knows about a valid path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPathInfo {
    /// The path.
    pub path: StorePath,
    /// SHA-256 of its NAR.
    pub nar_hash: Hash,
    /// Size of its NAR in bytes.
    pub nar_size: u64,
    /// The store paths it refers to (possibly itself).
    pub references: BTreeSet<StorePath>,
    /// The derivation that produced it, if any.
    pub deriver: Option<StorePath>,
    /// Seconds since the epoch when it was registered.
    pub registration_time: i64,
    /// Content address (`fixed:r:sha256:...`, `text:sha256:...`), if content-addressed.
    pub ca: Option<String>,
    /// Signatures.
    pub sigs: Vec<String>,
    /// Whether it was built locally (trusted without signatures).
    pub ultimate: bool,
}

/// The outcome of [`LocalStore::verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Number of valid paths checked.
    pub checked: usize,
    /// Registered paths whose contents are gone.
    pub missing: Vec<StorePath>,
    /// Registered paths whose NAR hash or size differs: (path, registered, actual).
    pub corrupt: Vec<(StorePath, Hash, Hash)>,
    /// Registered references that are not themselves valid.
    pub dangling_references: Vec<(StorePath, String)>,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty() && self.dangling_references.is_empty()
    }
}

/// What [`LocalStore::gc`] should do.
#[derive(Debug, Clone, Default)]
pub struct GcOptions {
    /// Only report what would be deleted.
    pub dry_run: bool,
}

/// The outcome of a garbage collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcResult {
    /// Valid paths deleted (or that would be, on a dry run).
    pub deleted: Vec<StorePath>,
    /// Unregistered leftovers removed from the store directory.
    pub removed_invalid: Vec<String>,
    /// Bytes freed (sum of the NAR sizes of deleted valid paths).
    pub bytes_freed: u64,
}

/// Exclusive locks on store paths (for building them); released on drop.
///
/// Each lock is a file `build-locks/<hash>-<name>.lock` in the state
/// directory held with `flock(LOCK_EX)`; any process that flocks the same
/// file (the builder does) takes part. Lock files are left in place on
/// release: deleting them would let two processes lock different inodes.
#[derive(Debug)]
pub struct PathLocks {
    held: Vec<(PathBuf, File)>,
}

impl PathLocks {
    /// The lock files held.
    pub fn lock_files(&self) -> impl Iterator<Item = &Path> {
        self.held.iter().map(|(p, _)| p.as_path())
    }
}

/// Give a tree the canonical metadata of store objects: modification time 1
/// (the epoch plus one second), files `0444` or `0555` (if executable by
/// anyone), directories `0555`. Symlinks keep their permissions.
pub fn canonicalise_metadata(path: &Path) -> Result<()> {
    for entry in ops::walk(path) {
        let entry = entry?;
        let path = entry.path();
        let meta = entry.metadata().map_err(|e| {
            let source = e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("file system loop"));
            FsError::new("getting status of", path, source)
        })?;
        if !meta.file_type().is_symlink() {
            let mode = if meta.is_dir() || meta.permissions().mode() & 0o111 != 0 {
                0o555
            } else {
                0o444
            };
            if meta.permissions().mode() & 0o7777 != mode {
                fs::set_permissions(path, fs::Permissions::from_mode(mode))
                    .map_err(io_err("setting permissions of", path))?;
            }
        }
        if meta.mtime() != 1 {
            let one = rustix::fs::Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            };
            let times = rustix::fs::Timestamps {
                last_access: one,
                last_modification: one,
            };
            rustix::fs::utimensat(
                rustix::fs::CWD,
                path,
                &times,
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            )
            .map_err(|e| FsError::new("setting times of", path, e.into()))?;
        }
    }
    Ok(())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary directory entry inside the store, locked while in use so that
/// a later `open` can tell abandoned ones from live ones.
struct StoreTemp {
    path: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

impl Drop for StoreTemp {
    fn drop(&mut self) {
        // Directory first, then its lock file: a temporary without a lock
        // file counts as abandoned.
        let _ = ops::remove_tree(&self.path);
        let _ = fs::remove_file(&self.lock_path);
        // `_lock` closes after this, releasing the flock.
    }
}

/// A local store. Safe to share between threads; several processes may open
/// the same store at once.
pub struct LocalStore {
    store_dir: StoreDir,
    real_store: PathBuf,
    state_dir: PathBuf,
    fsync: bool,
    db_path: PathBuf,
    db: Mutex<Connection>,
    /// This store's temporary-roots file, created on first use and locked
    /// for the store's lifetime.
    temp_roots: Mutex<Option<(PathBuf, File)>>,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("store_dir", &self.store_dir)
            .field("real_store", &self.real_store)
            .field("state_dir", &self.state_dir)
            .finish()
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        if let Ok(mut g) = self.temp_roots.lock() {
            if let Some((p, _f)) = g.take() {
                let _ = fs::remove_file(p);
            }
        }
    }
}

impl LocalStore {
    /// Open (creating if needed) a store. Abandoned temporary directories of
    /// crashed processes are removed.
    pub fn open(config: LocalStoreConfig) -> Result<LocalStore> {
        let store_dir = config.store_dir.unwrap_or_default();
        let root = config.root.unwrap_or_else(|| PathBuf::from("/"));
        let real_store = root.join(store_dir.as_str().trim_start_matches('/'));
        let state_dir = config.state_dir.unwrap_or_else(|| {
            let parent = Path::new(store_dir.as_str())
                .parent()
                .unwrap_or(Path::new("/"));
            root.join(parent.strip_prefix("/").unwrap_or(parent))
                .join("var/xnix")
        });
        for d in [
            real_store.clone(),
            state_dir.join("db"),
            state_dir.join("gcroots/auto"),
            state_dir.join("temproots"),
            state_dir.join("build-locks"),
        ] {
            fs::create_dir_all(&d).map_err(io_err("creating directory", &d))?;
        }
        let db_path = state_dir.join("db/db.sqlite");
        let dberr = |source| LocalStoreError::Db {
            path: db_path.clone(),
            source,
        };
        // Setting up the registry (WAL mode, schema) is serialised across
        // processes: SQLite answers "database is locked" at once, without
        // waiting, when two connections race to switch a new database into
        // WAL mode, so a busy timeout alone does not cover first use.
        let open_lock_path = state_dir.join("db/open.lock");
        let open_lock = ops::lock_file(&open_lock_path, true)?;
        let conn = Connection::open(&db_path).map_err(dberr)?;
        conn.busy_timeout(Duration::from_secs(600)).map_err(dberr)?;
        conn.pragma_update(None, "journal_mode", "wal")
            .map_err(dberr)?;
        conn.pragma_update(
            None,
            "synchronous",
            if config.fsync { "full" } else { "normal" },
        )
        .map_err(dberr)?;
        conn.pragma_update(None, "foreign_keys", "on")
            .map_err(dberr)?;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {} COMMIT;", registry::SCHEMA))
            .map_err(dberr)?;
        drop(open_lock);
        let store = LocalStore {
            store_dir,
            real_store,
            state_dir,
            fsync: config.fsync,
            db_path,
            db: Mutex::new(conn),
            temp_roots: Mutex::new(None),
        };
        store.clean_temporaries()?;
        Ok(store)
    }

    /// The logical store directory.
    pub fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    /// The physical store directory.
    pub fn real_store_dir(&self) -> &Path {
        &self.real_store
    }

    /// The physical state directory.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The physical location of a store path.
    pub fn real_path(&self, path: &StorePath) -> PathBuf {
        self.real_store.join(path.base_name())
    }

    /// Parse a full logical store path.
    pub fn parse_path(&self, full: &str) -> Result<StorePath> {
        Ok(self.store_dir.parse(full)?)
    }

    /// A store path with this store's directory, as errors carry it.
    pub fn full_path(&self, path: &StorePath) -> FullStorePath {
        self.store_dir.full(path)
    }

    /// Print a store path in full (logical).
    pub fn print_path(&self, path: &StorePath) -> String {
        self.store_dir.print(path)
    }

    pub(super) fn db_err(&self, source: rusqlite::Error) -> LocalStoreError {
        LocalStoreError::Db {
            path: self.db_path.clone(),
            source,
        }
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }
}
