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

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use thiserror::Error;

use xnix_formats::derivation::{Derivation, DerivationError};
use xnix_formats::hash::{Hash, HashAlgo, HashingWriter};
use xnix_formats::path::{
    ContentAddressMethod, FixedOutputHash, StoreDir, StorePath, StorePathError,
};
use xnix_formats::refscan::{RefScanner, Tee};
use xnix_fs::nar::{self, NarFsError};
use xnix_fs::ops::{self, CopyModes, LockMode};
use xnix_fs::{FsError, PathFilter};

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
    NotValid(String),
    /// References of a path to be registered are not valid.
    #[error("cannot register '{path}': its reference '{reference}' is not valid")]
    MissingReference {
        /// The path being registered.
        path: String,
        /// The reference that is neither valid nor being registered with it.
        reference: String,
    },
    /// Flat hashing was asked for something that is not a regular file.
    #[error("'{0}' must be a regular file to be added with flat hashing")]
    NotARegularFile(PathBuf),
    /// An imported NAR does not have the announced hash or size.
    #[error("NAR for '{path}' does not match its description: expected {expected}, got {actual}")]
    NarMismatch {
        /// The store path being imported.
        path: String,
        /// The announced NAR hash and size.
        expected: String,
        /// What the stream held.
        actual: String,
    },
    /// A path is still reachable and cannot be deleted.
    #[error("cannot delete '{0}': it is still alive (reachable from a GC root or in use)")]
    StillAlive(String),
}

type Result<T, E = LocalStoreError> = std::result::Result<T, E>;

/// [`xnix_fs::io_err`], for this module's error type.
fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> LocalStoreError + 'a {
    move |source| FsError::new(action, path, source).into()
}

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

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ValidPaths (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    path             TEXT UNIQUE NOT NULL,
    hash             TEXT NOT NULL,
    registrationTime INTEGER NOT NULL,
    deriver          TEXT,
    narSize          INTEGER,
    ultimate         INTEGER,
    sigs             TEXT,
    ca               TEXT
);
CREATE TABLE IF NOT EXISTS Refs (
    referrer  INTEGER NOT NULL,
    reference INTEGER NOT NULL,
    PRIMARY KEY (referrer, reference),
    FOREIGN KEY (referrer) REFERENCES ValidPaths(id) ON DELETE CASCADE,
    FOREIGN KEY (reference) REFERENCES ValidPaths(id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS IndexReferrer ON Refs(referrer);
CREATE INDEX IF NOT EXISTS IndexReference ON Refs(reference);
CREATE TABLE IF NOT EXISTS DerivationOutputs (
    drv  INTEGER NOT NULL,
    id   TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (drv, id),
    FOREIGN KEY (drv) REFERENCES ValidPaths(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS IndexDerivationOutputs ON DerivationOutputs(path);
";

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
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;"))
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

    /// Print a store path in full (logical).
    pub fn print_path(&self, path: &StorePath) -> String {
        self.store_dir.print(path)
    }

    fn db_err(&self, source: rusqlite::Error) -> LocalStoreError {
        LocalStoreError::Db {
            path: self.db_path.clone(),
            source,
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clean_temporaries(&self) -> Result<()> {
        let rd = fs::read_dir(&self.real_store)
            .map_err(io_err("reading directory", &self.real_store))?;
        for e in rd {
            let e = e.map_err(io_err("reading directory", &self.real_store))?;
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rest) = name.strip_prefix(TMP_PREFIX) else {
                continue;
            };
            let base = rest.strip_suffix(".lock").unwrap_or(rest);
            let dir = self.real_store.join(format!("{TMP_PREFIX}{base}"));
            let lock = self.real_store.join(format!("{TMP_PREFIX}{base}.lock"));
            // Live temporaries are locked by their owner; an abandoned one
            // has no lock file or one nobody holds.
            let abandoned = match OpenOptions::new().read(true).write(true).open(&lock) {
                Ok(f) => {
                    ops::flock(&f, LockMode::Exclusive, false).map_err(io_err("locking", &lock))?
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => true,
                Err(e) => return Err(io_err("opening", &lock)(e)),
            };
            if abandoned {
                ops::remove_tree(&dir)?;
                let _ = fs::remove_file(&lock);
            }
        }
        Ok(())
    }

    fn new_temp(&self) -> Result<StoreTemp> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let base = format!("{}-{}-{}", std::process::id(), n, nanos);
        let lock_path = self.real_store.join(format!("{TMP_PREFIX}{base}.lock"));
        let lock = ops::lock_file(&lock_path, true)?.expect("waiting lock always returns a file");
        let path = self.real_store.join(format!("{TMP_PREFIX}{base}"));
        fs::create_dir(&path).map_err(io_err("creating directory", &path))?;
        Ok(StoreTemp {
            path,
            lock_path,
            _lock: lock,
        })
    }

    fn gc_lock(&self, mode: LockMode) -> Result<File> {
        Ok(ops::lock_file_mode(&self.state_dir.join("gc.lock"), mode)?)
    }

    fn lock_dir(&self) -> PathBuf {
        self.state_dir.join("build-locks")
    }

    /// Lock store paths for building them; blocks until all are free. Locks
    /// are taken in sorted order so two builders cannot deadlock.
    pub fn lock_paths(&self, paths: &BTreeSet<StorePath>) -> Result<PathLocks> {
        let mut held = Vec::new();
        for p in paths {
            let lp = self.lock_dir().join(format!("{}.lock", p.base_name()));
            let f = ops::lock_file(&lp, true)?.expect("waiting lock always returns a file");
            held.push((lp, f));
        }
        Ok(PathLocks { held })
    }

    /// Try to lock store paths without waiting; `None` if any is held elsewhere.
    pub fn try_lock_paths(&self, paths: &BTreeSet<StorePath>) -> Result<Option<PathLocks>> {
        let mut held = Vec::new();
        for p in paths {
            let lp = self.lock_dir().join(format!("{}.lock", p.base_name()));
            match ops::lock_file(&lp, false)? {
                Some(f) => held.push((lp, f)),
                None => return Ok(None), // `held` drops, releasing what we took
            }
        }
        Ok(Some(PathLocks { held }))
    }

    /// Record that this process uses `path`, so a concurrent `gc` keeps it
    /// (and its closure) until this store is dropped.
    ///
    /// Add the temporary root *before* checking that the path is valid: a
    /// collection running concurrently finishes before this returns, so a
    /// path found valid afterwards stays valid.
    pub fn add_temp_root(&self, path: &StorePath) -> Result<()> {
        let _gc = self.gc_lock(LockMode::Shared)?;
        self.add_temp_root_locked(path)
    }

    fn add_temp_root_locked(&self, path: &StorePath) -> Result<()> {
        let mut g = self.temp_roots.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none() {
            let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let p = self
                .state_dir
                .join(format!("temproots/{}-{}", std::process::id(), n));
            let f = ops::lock_file(&p, true)?.expect("waiting lock always returns a file");
            *g = Some((p, f));
        }
        let (p, f) = g.as_mut().expect("set above");
        writeln!(f, "{}", path.base_name()).map_err(io_err("writing", p))?;
        Ok(())
    }

    /// With `fsync` on: flush a finished tree to disk before it is moved into place.
    fn sync_tree(&self, path: &Path) -> Result<()> {
        if self.fsync {
            ops::sync_tree(path)?;
        }
        Ok(())
    }

    /// With `fsync` on: make a rename into the store directory durable.
    fn sync_store_dir(&self) -> Result<()> {
        if self.fsync {
            ops::sync_path(&self.real_store)?;
        }
        Ok(())
    }

    /// Whether a path is registered as valid.
    pub fn is_valid_path(&self, path: &StorePath) -> Result<bool> {
        let c = self.conn();
        c.query_row(
            "SELECT 1 FROM ValidPaths WHERE path = ?1",
            [self.print_path(path)],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
        .map_err(|e| self.db_err(e))
    }

    /// Everything the registry knows about a path; `None` if it is not valid.
    pub fn query_path_info(&self, path: &StorePath) -> Result<Option<ValidPathInfo>> {
        let c = self.conn();
        self.query_info_locked(&c, path)
    }

    fn query_info_locked(&self, c: &Connection, path: &StorePath) -> Result<Option<ValidPathInfo>> {
        type Row = (
            i64,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = c
            .query_row(
                "SELECT id, hash, registrationTime, deriver, narSize, ultimate, sigs, ca FROM ValidPaths WHERE path = ?1",
                [self.print_path(path)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()
            .map_err(|e| self.db_err(e))?;
        let Some((id, hash, time, deriver, size, ultimate, sigs, ca)) = row else {
            return Ok(None);
        };
        let nar_hash = Hash::parse(&hash, None).map_err(|e| {
            LocalStoreError::Corrupt(format!("hash of '{}': {e}", self.print_path(path)))
        })?;
        let mut stmt = c
            .prepare_cached("SELECT v.path FROM Refs r JOIN ValidPaths v ON r.reference = v.id WHERE r.referrer = ?1")
            .map_err(|e| self.db_err(e))?;
        let refs: Vec<String> = stmt
            .query_map([id], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        let references = refs
            .iter()
            .map(|r| self.parse_path(r))
            .collect::<Result<_>>()?;
        let deriver = match deriver {
            Some(d) if !d.is_empty() => Some(self.parse_path(&d)?),
            _ => None,
        };
        Ok(Some(ValidPathInfo {
            path: path.clone(),
            nar_hash,
            nar_size: size.unwrap_or(0) as u64,
            references,
            deriver,
            registration_time: time,
            ca,
            sigs: sigs
                .map(|s| {
                    s.split(' ')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            ultimate: ultimate.unwrap_or(0) != 0,
        }))
    }

    /// The valid paths that refer to `path`.
    pub fn query_referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON r.referrer = v.id \
                 WHERE r.reference = (SELECT id FROM ValidPaths WHERE path = ?1)",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<String> = stmt
            .query_map([self.print_path(path)], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.iter().map(|r| self.parse_path(r)).collect()
    }

    /// All valid paths.
    pub fn query_all_valid_paths(&self) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached("SELECT path FROM ValidPaths")
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.iter().map(|r| self.parse_path(r)).collect()
    }

    /// The outputs a registered derivation declares (name -> path), as
    /// recorded when the `.drv` was added.
    pub fn query_derivation_outputs(
        &self,
        drv_path: &StorePath,
    ) -> Result<BTreeMap<String, StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached(
                "SELECT d.id, d.path FROM DerivationOutputs d JOIN ValidPaths v ON d.drv = v.id WHERE v.path = ?1",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([self.print_path(drv_path)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.into_iter()
            .map(|(k, v)| Ok((k, self.parse_path(&v)?)))
            .collect()
    }

    /// The closure of `paths`: them and everything they refer to, transitively.
    pub fn closure(&self, paths: &BTreeSet<StorePath>) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut done = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.iter().cloned().collect();
        while let Some(p) = todo.pop() {
            if done.contains(&p) {
                continue;
            }
            let info = self
                .query_info_locked(&c, &p)?
                .ok_or_else(|| LocalStoreError::NotValid(self.print_path(&p)))?;
            todo.extend(info.references.into_iter().filter(|r| !done.contains(r)));
            done.insert(p);
        }
        Ok(done)
    }

    /// Register paths whose contents are already complete in the store, in one
    /// transaction. References must be valid or among `infos` (outputs of one
    /// build may refer to each other). Registering an already-valid path
    /// updates its record. Registering a `.drv` records its outputs.
    pub fn register_valid_paths(&self, infos: &[ValidPathInfo]) -> Result<()> {
        let mut c = self.conn();
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.db_err(e))?;
        for info in infos {
            tx.execute(
                "INSERT INTO ValidPaths (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, registrationTime = excluded.registrationTime, \
                 deriver = excluded.deriver, narSize = excluded.narSize, ultimate = excluded.ultimate, \
                 sigs = excluded.sigs, ca = excluded.ca",
                params![
                    self.print_path(&info.path),
                    info.nar_hash.encode(xnix_formats::HashEncoding::Base16, true),
                    info.registration_time,
                    info.deriver.as_ref().map(|d| self.print_path(d)),
                    info.nar_size as i64,
                    info.ultimate as i64,
                    if info.sigs.is_empty() { None } else { Some(info.sigs.join(" ")) },
                    info.ca,
                ],
            )
            .map_err(|e| self.db_err(e))?;
        }
        for info in infos {
            let me = self.print_path(&info.path);
            tx.execute(
                "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
                [&me],
            )
            .map_err(|e| self.db_err(e))?;
            for r in &info.references {
                let n = tx
                    .execute(
                        "INSERT OR IGNORE INTO Refs (referrer, reference) \
                         SELECT a.id, b.id FROM ValidPaths a, ValidPaths b WHERE a.path = ?1 AND b.path = ?2",
                        params![me, self.print_path(r)],
                    )
                    .map_err(|e| self.db_err(e))?;
                if n == 0 {
                    return Err(LocalStoreError::MissingReference {
                        path: me,
                        reference: self.print_path(r),
                    });
                }
            }
            if info.path.is_derivation() {
                let text = fs::read_to_string(self.real_path(&info.path))
                    .map_err(io_err("reading derivation", &self.real_path(&info.path)))?;
                let name = info
                    .path
                    .name()
                    .strip_suffix(".drv")
                    .unwrap_or(info.path.name());
                let drv = Derivation::parse_aterm(&self.store_dir, name, &text)?;
                for (out, o) in &drv.outputs {
                    if let Some(p) = &o.path {
                        tx.execute(
                            "INSERT OR REPLACE INTO DerivationOutputs (drv, id, path) \
                             SELECT id, ?2, ?3 FROM ValidPaths WHERE path = ?1",
                            params![me, out, self.print_path(p)],
                        )
                        .map_err(|e| self.db_err(e))?;
                    }
                }
            }
        }
        tx.commit().map_err(|e| self.db_err(e))
    }

    /// NAR hash, NAR size and the references among `candidates` of a tree in
    /// one pass over its NAR.
    pub fn hash_and_scan(
        path: &Path,
        candidates: &BTreeSet<StorePath>,
    ) -> Result<(Hash, u64, BTreeSet<StorePath>)> {
        let mut hasher = HashingWriter::new(HashAlgo::Sha256);
        let mut scanner = RefScanner::new(candidates);
        nar::dump_path(
            path,
            io::BufWriter::with_capacity(1 << 16, Tee(&mut hasher, &mut scanner)),
        )?;
        let (h, n) = hasher.finish();
        Ok((h, n, scanner.into_found()))
    }

    /// Finish a path that a builder wrote in place at [`Self::real_path`]
    /// (while holding its [`PathLocks`]): canonicalise its metadata, hash it,
    /// and find its references among `candidates` (typically the build's
    /// input closure plus its own outputs). The result is ready for
    /// [`Self::register_valid_paths`].
    pub fn make_path_info(
        &self,
        path: &StorePath,
        candidates: &BTreeSet<StorePath>,
        deriver: Option<StorePath>,
    ) -> Result<ValidPathInfo> {
        let real = self.real_path(path);
        canonicalise_metadata(&real)?;
        let (nar_hash, nar_size, references) = Self::hash_and_scan(&real, candidates)?;
        Ok(ValidPathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            references,
            deriver,
            registration_time: now(),
            ca: None,
            sigs: Vec::new(),
            ultimate: true,
        })
    }

    /// Move a finished temporary into place as `path` and register it, unless
    /// it is valid already. Holds the GC lock (shared) and the path's lock.
    fn install(
        &self,
        temp: StoreTemp,
        content: &Path,
        path: &StorePath,
        references: BTreeSet<StorePath>,
        ca: Option<String>,
        nar: Option<(Hash, u64)>,
    ) -> Result<()> {
        let _gc = self.gc_lock(LockMode::Shared)?;
        let _lock = self.lock_paths(&[path.clone()].into())?;
        if !self.is_valid_path(path)? {
            for r in &references {
                if !self.is_valid_path(r)? {
                    return Err(LocalStoreError::MissingReference {
                        path: self.print_path(path),
                        reference: self.print_path(r),
                    });
                }
            }
            let real = self.real_path(path);
            // An unregistered leftover from an interrupted add of this same path.
            ops::remove_tree(&real)?;
            canonicalise_metadata(content)?;
            let (nar_hash, nar_size) = match nar {
                Some(n) => n,
                None => nar::nar_hash(content)?,
            };
            self.sync_tree(content)?;
            fs::rename(content, &real).map_err(io_err("moving into place", &real))?;
            self.sync_store_dir()?;
            self.register_valid_paths(&[ValidPathInfo {
                path: path.clone(),
                nar_hash,
                nar_size,
                references,
                deriver: None,
                registration_time: now(),
                ca,
                sigs: Vec::new(),
                // As Nix: only built outputs are "ultimately trusted"; added objects are not.
                ultimate: false,
            }])?;
        }
        self.add_temp_root_locked(path)?;
        drop(temp);
        Ok(())
    }

    /// Add a store object from its NAR serialisation (substitution from a
    /// binary cache, copying between stores). The NAR is unpacked into a
    /// temporary directory while its SHA-256 and size are computed; both must
    /// equal `info.nar_hash` and `info.nar_size`, and every reference other
    /// than the path itself must be valid, before the path is moved into
    /// place and registered with `info`'s deriver, CA and signatures.
    /// Importing an already-valid path does nothing.
    pub fn import_nar(&self, info: &ValidPathInfo, nar_stream: impl io::Read) -> Result<()> {
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        let mut reader = HashingReader {
            inner: nar_stream,
            hasher: HashingWriter::new(HashAlgo::Sha256),
        };
        nar::restore(&mut reader, &content)?;
        let (nar_hash, nar_size) = reader.hasher.finish();
        if nar_hash != info.nar_hash || nar_size != info.nar_size {
            return Err(LocalStoreError::NarMismatch {
                path: self.print_path(&info.path),
                expected: format!("{} ({} bytes)", info.nar_hash, info.nar_size),
                actual: format!("{nar_hash} ({nar_size} bytes)"),
            });
        }
        let _gc = self.gc_lock(LockMode::Shared)?;
        let _lock = self.lock_paths(&[info.path.clone()].into())?;
        if !self.is_valid_path(&info.path)? {
            for r in info.references.iter().filter(|r| **r != info.path) {
                if !self.is_valid_path(r)? {
                    return Err(LocalStoreError::MissingReference {
                        path: self.print_path(&info.path),
                        reference: self.print_path(r),
                    });
                }
            }
            let real = self.real_path(&info.path);
            ops::remove_tree(&real)?;
            canonicalise_metadata(&content)?;
            self.sync_tree(&content)?;
            fs::rename(&content, &real).map_err(io_err("moving into place", &real))?;
            self.sync_store_dir()?;
            let mut info = info.clone();
            info.registration_time = now();
            self.register_valid_paths(&[info.clone()])?;
        }
        self.add_temp_root_locked(&info.path)?;
        drop(temp);
        Ok(())
    }

    /// Write the NAR serialisation of a valid path to `out` (as `nix-store --dump`).
    pub fn export_nar(&self, path: &StorePath, out: impl Write) -> Result<()> {
        if !self.is_valid_path(path)? {
            return Err(LocalStoreError::NotValid(self.print_path(path)));
        }
        nar::dump_path(&self.real_path(path), out)?;
        Ok(())
    }

    /// Add a file or directory as a source path (as `./file` in an
    /// expression, `nix-store --add`): recursive SHA-256, no references.
    pub fn add_to_store(&self, name: &str, src: &Path) -> Result<StorePath> {
        self.add_to_store_fixed(name, src, ContentAddressMethod::Recursive, HashAlgo::Sha256)
            .map(|(p, _)| p)
    }

    /// Add a file or directory as a fixed-output path (as `nix-store
    /// --add-fixed [--recursive] ALGO`). Returns the path and the content hash.
    pub fn add_to_store_fixed(
        &self,
        name: &str,
        src: &Path,
        method: ContentAddressMethod,
        algo: HashAlgo,
    ) -> Result<(StorePath, Hash)> {
        self.add_to_store_filtered(name, src, method, algo, &mut |_, _| true)
    }

    /// Like [`Self::add_to_store_fixed`], leaving out entries for which
    /// `filter` returns false (`builtins.path`, `builtins.filterSource`).
    pub fn add_to_store_filtered(
        &self,
        name: &str,
        src: &Path,
        method: ContentAddressMethod,
        algo: HashAlgo,
        filter: &mut PathFilter<'_>,
    ) -> Result<(StorePath, Hash)> {
        xnix_formats::path::check_name(name, name)?;
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        ops::copy_tree(src, &content, CopyModes::AsInNar, filter)?;
        canonicalise_metadata(&content)?;
        let nar = nar::nar_hash(&content)?;
        let hash = match method {
            ContentAddressMethod::Flat => {
                if !fs::symlink_metadata(&content)
                    .map_err(io_err("getting status of", &content))?
                    .is_file()
                {
                    return Err(LocalStoreError::NotARegularFile(src.to_path_buf()));
                }
                Hash::digest_reader(
                    algo,
                    File::open(&content).map_err(io_err("reading", &content))?,
                )
                .map_err(io_err("reading", &content))?
            }
            ContentAddressMethod::Recursive if algo == HashAlgo::Sha256 => nar.0.clone(),
            ContentAddressMethod::Recursive => nar::nar_hash_with(&content, algo)?.0,
        };
        let fixed = FixedOutputHash {
            method,
            hash: hash.clone(),
        };
        let path = self
            .store_dir
            .make_fixed_output_path(name, &fixed, &BTreeSet::new(), false)?;
        self.install(
            temp,
            &content,
            &path,
            BTreeSet::new(),
            Some(fixed.to_ca_string()),
            Some(nar),
        )?;
        Ok((path, hash))
    }

    /// Add a text object (as `builtins.toFile`) with the given references.
    pub fn add_text_to_store(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath> {
        let hash = Hash::digest(HashAlgo::Sha256, text);
        let path = self.store_dir.make_text_path(name, &hash, references)?;
        self.add_temp_root(&path)?;
        if self.is_valid_path(&path)? {
            return Ok(path);
        }
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        fs::write(&content, text).map_err(io_err("writing", &content))?;
        let ca = Some(format!("text:sha256:{}", hash.to_base32()));
        self.install(temp, &content, &path, references.clone(), ca, None)?;
        Ok(path)
    }

    /// Write a derivation's `.drv` file (a text object whose references are
    /// its input sources and derivations) and return its path.
    pub fn add_derivation(&self, drv: &Derivation) -> Result<StorePath> {
        let text = drv.to_aterm(&self.store_dir);
        self.add_text_to_store(
            &format!("{}.drv", drv.name),
            text.as_bytes(),
            &drv.references(),
        )
    }

    /// Read a registered `.drv` file.
    pub fn read_derivation(&self, drv_path: &StorePath) -> Result<Derivation> {
        let real = self.real_path(drv_path);
        let text = fs::read_to_string(&real).map_err(io_err("reading derivation", &real))?;
        let name = drv_path
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv_path.name());
        Ok(Derivation::parse_aterm(&self.store_dir, name, &text)?)
    }

    /// Re-hash every valid path and compare with the registry.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for p in self.query_all_valid_paths()? {
            let info = self
                .query_path_info(&p)?
                .ok_or_else(|| LocalStoreError::NotValid(self.print_path(&p)))?;
            report.checked += 1;
            let real = self.real_path(&p);
            if fs::symlink_metadata(&real).is_err() {
                report.missing.push(p);
                continue;
            }
            let (h, n) = nar::nar_hash(&real)?;
            if h != info.nar_hash || n != info.nar_size {
                report.corrupt.push((p.clone(), info.nar_hash.clone(), h));
            }
        }
        // References pointing outside the valid set cannot happen with the
        // foreign keys on, but a hand-edited or foreign database may have them.
        let c = self.conn();
        let mut stmt = c
            .prepare(
                "SELECT v.path, r.reference FROM Refs r JOIN ValidPaths v ON r.referrer = v.id \
                      WHERE r.reference NOT IN (SELECT id FROM ValidPaths)",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        for (p, id) in rows {
            report
                .dangling_references
                .push((self.parse_path(&p)?, format!("id {id}")));
        }
        Ok(report)
    }

    /// Make `path` a GC root named `name` in the `gcroots` directory.
    pub fn add_gc_root(&self, name: &str, path: &StorePath) -> Result<PathBuf> {
        let link = self.state_dir.join("gcroots").join(name);
        ops::replace_symlink(Path::new(&self.print_path(path)), &link)?;
        Ok(link)
    }

    /// Create the symlink `link -> path` (e.g. `./result`) and register it as
    /// an indirect root: the path stays alive while the link exists and still
    /// points at it.
    pub fn add_indirect_root(&self, link: &Path, path: &StorePath) -> Result<()> {
        let link = if link.is_absolute() {
            link.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(io_err("getting current directory for", link))?
                .join(link)
        };
        ops::replace_symlink(Path::new(&self.print_path(path)), &link)?;
        let key = Hash::digest(HashAlgo::Sha256, link.as_os_str().as_bytes()).to_base32();
        let auto = self.state_dir.join("gcroots/auto").join(&key[..32]);
        Ok(ops::replace_symlink(&link, &auto)?)
    }

    /// Every root: (the link that makes it a root, the store path it keeps alive).
    /// Stale indirect roots (whose link is gone) are removed.
    pub fn find_roots(&self) -> Result<Vec<(PathBuf, StorePath)>> {
        let mut roots = Vec::new();
        self.find_roots_in(&self.state_dir.join("gcroots"), &mut roots)?;
        Ok(roots)
    }

    fn find_roots_in(&self, dir: &Path, roots: &mut Vec<(PathBuf, StorePath)>) -> Result<()> {
        let rd = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err("reading directory", dir)(e)),
        };
        for e in rd {
            let e = e.map_err(io_err("reading directory", dir))?;
            let p = e.path();
            let ft = e.file_type().map_err(io_err("getting status of", &p))?;
            if ft.is_dir() {
                self.find_roots_in(&p, roots)?;
            } else if ft.is_symlink() {
                let target = fs::read_link(&p).map_err(io_err("reading symlink", &p))?;
                let t = target.to_string_lossy();
                if self.store_dir.is_in_store(&t) {
                    if let Ok((sp, _)) = self.store_dir.split_inner(&t) {
                        roots.push((p.clone(), sp));
                    }
                    continue;
                }
                // Indirect: `target` is a link elsewhere (e.g. `result`).
                match fs::read_link(&target) {
                    Ok(t2) => {
                        let t2 = t2.to_string_lossy();
                        if let Ok((sp, _)) = self.store_dir.split_inner(&t2) {
                            roots.push((target.clone(), sp));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        let _ = fs::remove_file(&p);
                    }
                    Err(_) => {}
                }
            }
        }
        Ok(())
    }

    /// Paths listed in the temporary-roots files of live stores (this one
    /// included); files of dead processes are removed.
    fn temp_roots(&self) -> Result<BTreeSet<StorePath>> {
        let dir = self.state_dir.join("temproots");
        let own = self
            .temp_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(p, _)| p.clone());
        let mut out = BTreeSet::new();
        for e in fs::read_dir(&dir).map_err(io_err("reading directory", &dir))? {
            let e = e.map_err(io_err("reading directory", &dir))?;
            let p = e.path();
            let Ok(f) = OpenOptions::new().read(true).write(true).open(&p) else {
                continue;
            };
            if own.as_deref() != Some(p.as_path())
                && ops::flock(&f, LockMode::Shared, false).map_err(io_err("locking", &p))?
            {
                // Nobody holds it: its store is gone.
                let _ = fs::remove_file(&p);
                continue;
            }
            let text = fs::read_to_string(&p).map_err(io_err("reading", &p))?;
            out.extend(
                text.lines()
                    .filter_map(|l| StorePath::from_base_name(l).ok()),
            );
        }
        Ok(out)
    }

    /// Delete every valid path not reachable from a root or a live temporary
    /// root, and unregistered leftovers that nobody has locked.
    pub fn gc(&self, options: &GcOptions) -> Result<GcResult> {
        let _gc = self.gc_lock(LockMode::Exclusive)?;
        let mut roots: BTreeSet<StorePath> =
            self.find_roots()?.into_iter().map(|(_, p)| p).collect();
        roots.extend(self.temp_roots()?);
        let valid = self.query_all_valid_paths()?;
        roots.retain(|r| valid.contains(r));
        let live = self.closure(&roots)?;
        let dead: Vec<StorePath> = valid.difference(&live).cloned().collect();
        let mut result = GcResult::default();
        let mut locks = Vec::new();
        let mut busy = BTreeSet::new();
        for p in &dead {
            // A path someone holds a lock on is being (re)built or added.
            match self.try_lock_paths(&[p.clone()].into())? {
                Some(l) => locks.push(l),
                None => {
                    busy.insert(p.clone());
                }
            }
        }
        // Keep what busy paths refer to, so no reference is left dangling.
        let keep = self.closure(&busy)?;
        for p in dead.iter().filter(|p| !keep.contains(*p)) {
            result.bytes_freed += self.query_path_info(p)?.map(|i| i.nar_size).unwrap_or(0);
            result.deleted.push(p.clone());
        }
        if !options.dry_run {
            // Invalidate first, in one transaction: a crash after this leaves
            // only unregistered leftovers, never a registered partial path.
            {
                let mut c = self.conn();
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| self.db_err(e))?;
                for p in &result.deleted {
                    tx.execute(
                        "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
                        [self.print_path(p)],
                    )
                    .map_err(|e| self.db_err(e))?;
                }
                for p in &result.deleted {
                    tx.execute(
                        "DELETE FROM ValidPaths WHERE path = ?1",
                        [self.print_path(p)],
                    )
                    .map_err(|e| self.db_err(e))?;
                }
                tx.commit().map_err(|e| self.db_err(e))?;
            }
            for p in &result.deleted {
                ops::remove_tree(&self.real_path(p))?;
            }
        }
        drop(locks);
        // Unregistered entries: interrupted adds and failed builds.
        let valid = self.query_all_valid_paths()?;
        let rd = fs::read_dir(&self.real_store)
            .map_err(io_err("reading directory", &self.real_store))?;
        for e in rd {
            let e = e.map_err(io_err("reading directory", &self.real_store))?;
            let name = e.file_name();
            let name_s = name.to_string_lossy().into_owned();
            if name_s.starts_with('.') {
                continue; // temporaries, cleaned by `open`
            }
            let Ok(sp) = StorePath::from_base_name(&name_s) else {
                continue;
            };
            if valid.contains(&sp) {
                continue;
            }
            let Some(_l) = self.try_lock_paths(&[sp.clone()].into())? else {
                continue;
            };
            if !options.dry_run {
                ops::remove_tree(&self.real_store.join(OsStr::new(&name)))?;
            }
            result.removed_invalid.push(name_s);
        }
        Ok(result)
    }

    /// Delete specific paths (as `nix-store --delete`); refuses paths that
    /// are alive or referred to by valid paths not being deleted.
    pub fn delete_paths(&self, paths: &BTreeSet<StorePath>) -> Result<()> {
        let _gc = self.gc_lock(LockMode::Exclusive)?;
        let mut roots: BTreeSet<StorePath> =
            self.find_roots()?.into_iter().map(|(_, p)| p).collect();
        roots.extend(self.temp_roots()?);
        let valid = self.query_all_valid_paths()?;
        roots.retain(|r| valid.contains(r));
        let live = self.closure(&roots)?;
        for p in paths {
            if live.contains(p) {
                return Err(LocalStoreError::StillAlive(self.print_path(p)));
            }
            for r in self.query_referrers(p)? {
                if r != *p && !paths.contains(&r) {
                    return Err(LocalStoreError::StillAlive(self.print_path(p)));
                }
            }
        }
        {
            let mut c = self.conn();
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| self.db_err(e))?;
            for p in paths {
                tx.execute(
                    "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
                    [self.print_path(p)],
                )
                .map_err(|e| self.db_err(e))?;
            }
            for p in paths {
                tx.execute(
                    "DELETE FROM ValidPaths WHERE path = ?1",
                    [self.print_path(p)],
                )
                .map_err(|e| self.db_err(e))?;
            }
            tx.commit().map_err(|e| self.db_err(e))?;
        }
        for p in paths {
            ops::remove_tree(&self.real_path(p))?;
        }
        Ok(())
    }
}

/// A reader that hashes and counts what is read through it.
struct HashingReader<R: io::Read> {
    inner: R,
    hasher: HashingWriter,
}

impl<R: io::Read> io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.write_all(&buf[..n])?;
        Ok(n)
    }
}
