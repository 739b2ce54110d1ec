//! GC roots (direct and indirect), garbage collection and deletion.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use xnix_formats::hash::{Hash, HashAlgo};
use xnix_formats::path::StorePath;
use xnix_fs::ops::{self, LockMode};

use xnix_fs::io_err;

use super::{GcOptions, GcResult, LocalStore, LocalStoreError, Result};

impl LocalStore {
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
            Err(e) => return Err(io_err("reading directory", dir)(e).into()),
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
    pub(super) fn temp_roots(&self) -> Result<BTreeSet<StorePath>> {
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

    /// Every valid path, and those alive: reachable from a root or a live
    /// temporary root. The caller holds the GC lock exclusively.
    fn valid_and_live(&self) -> Result<(BTreeSet<StorePath>, BTreeSet<StorePath>)> {
        let mut roots: BTreeSet<StorePath> =
            self.find_roots()?.into_iter().map(|(_, p)| p).collect();
        roots.extend(self.temp_roots()?);
        let valid = self.query_all_valid_paths()?;
        roots.retain(|r| valid.contains(r));
        let live = self.closure(&roots)?;
        Ok((valid, live))
    }

    /// Delete every valid path not reachable from a root or a live temporary
    /// root, and unregistered leftovers that nobody has locked.
    pub fn gc(&self, options: &GcOptions) -> Result<GcResult> {
        let _gc = self.gc_lock(LockMode::Exclusive)?;
        let (valid, live) = self.valid_and_live()?;
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
        let (_, live) = self.valid_and_live()?;
        for p in paths {
            if live.contains(p) {
                return Err(LocalStoreError::StillAlive(self.full_path(p)));
            }
            for r in self.query_referrers(p)? {
                if r != *p && !paths.contains(&r) {
                    return Err(LocalStoreError::StillAlive(self.full_path(p)));
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
