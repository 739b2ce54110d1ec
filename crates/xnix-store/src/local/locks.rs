//! Temporaries in the store, path locks, the GC lock and temporary roots.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use xnix_formats::path::StorePath;
use xnix_fs::ops::{self, LockMode};

use xnix_fs::io_err;

use super::{LocalStore, PathLocks, Result, StoreTemp, TMP_COUNTER, TMP_PREFIX};

impl LocalStore {
    pub(super) fn clean_temporaries(&self) -> Result<()> {
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
                Err(e) => return Err(io_err("opening", &lock)(e).into()),
            };
            if abandoned {
                ops::remove_tree(&dir)?;
                let _ = fs::remove_file(&lock);
            }
        }
        Ok(())
    }

    pub(super) fn new_temp(&self) -> Result<StoreTemp> {
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

    pub(super) fn gc_lock(&self, mode: LockMode) -> Result<File> {
        Ok(ops::lock_file_mode(&self.state_dir.join("gc.lock"), mode)?)
    }

    pub(super) fn lock_dir(&self) -> PathBuf {
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

    pub(super) fn add_temp_root_locked(&self, path: &StorePath) -> Result<()> {
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
}
