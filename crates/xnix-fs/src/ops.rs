//! File system operations the store, the builder and the application layer
//! share: removing, copying and moving trees, atomic writes and symlinks,
//! flushing to disk, walking, and advisory locks. Every failure is an
//! [`FsError`] naming the operation and the path, so a caller never has to
//! add that context itself.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;

use crate::{FileKind, PathFilter};

/// A file system operation that failed: what was being done, on which path,
/// and the operating system's answer.
#[derive(Debug, Error)]
#[error("{op} '{path}': {source}")]
pub struct FsError {
    /// What was being done ("reading directory", "moving into place", ...).
    pub op: &'static str,
    /// The path it was done on.
    pub path: PathBuf,
    /// Why it failed.
    #[source]
    pub source: io::Error,
}

impl FsError {
    /// An error of `op` on `path`.
    pub fn new(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> FsError {
        FsError {
            op,
            path: path.into(),
            source,
        }
    }

    /// The kind of the underlying I/O error.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

/// A `map_err` adapter: `fs::read(p).map_err(io_err("reading", p))?`.
pub fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> FsError + 'a {
    move |source| FsError::new(op, path, source)
}

/// Treats "not found" as success: something already gone counts as removed.
fn unless_gone(r: io::Result<()>, op: &'static str, path: &Path) -> Result<(), FsError> {
    match r {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(FsError::new(op, path, e)),
        _ => Ok(()),
    }
}

/// Removes a file, symlink or directory tree. Directories without write or
/// search permission for their owner (store objects are read-only, builders
/// leave such directories) are made accessible first. A path that does not
/// exist counts as removed.
pub fn remove_tree(path: &Path) -> Result<(), FsError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FsError::new("getting status of", path, e)),
    };
    if !meta.is_dir() {
        return unless_gone(fs::remove_file(path), "removing", path);
    }
    let mode = meta.permissions().mode();
    if mode & 0o700 != 0o700 {
        unless_gone(
            fs::set_permissions(path, fs::Permissions::from_mode(mode | 0o700)),
            "making writable",
            path,
        )?;
    }
    let entries = match fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FsError::new("reading directory", path, e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_err("reading directory", path))?;
        remove_tree(&entry.path())?;
    }
    unless_gone(fs::remove_dir(path), "removing directory", path)
}

/// Which permissions [`copy_tree`] gives the copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyModes {
    /// Each file and directory keeps its permission bits.
    Preserve,
    /// Only what a NAR records: files `0755` if their owner may execute them,
    /// else `0644`; directories as newly created.
    AsInNar,
}

/// Copies the tree at `src` (regular files, symlinks, directories) to `dst`,
/// which must not exist, leaving out entries below the root for which
/// `filter` returns false. Other file types (devices, sockets, fifos) are
/// refused with [`io::ErrorKind::Unsupported`].
pub fn copy_tree(
    src: &Path,
    dst: &Path,
    modes: CopyModes,
    filter: &mut PathFilter<'_>,
) -> Result<(), FsError> {
    let meta = fs::symlink_metadata(src).map_err(io_err("getting status of", src))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target = fs::read_link(src).map_err(io_err("reading symlink", src))?;
        std::os::unix::fs::symlink(target, dst).map_err(io_err("creating symlink", dst))?;
    } else if ft.is_file() {
        fs::copy(src, dst).map_err(io_err("copying", src))?;
        if modes == CopyModes::AsInNar {
            let mode = if meta.permissions().mode() & 0o100 != 0 {
                0o755
            } else {
                0o644
            };
            fs::set_permissions(dst, fs::Permissions::from_mode(mode))
                .map_err(io_err("setting permissions of", dst))?;
        }
    } else if ft.is_dir() {
        fs::create_dir(dst).map_err(io_err("creating directory", dst))?;
        for entry in fs::read_dir(src).map_err(io_err("reading directory", src))? {
            let entry = entry.map_err(io_err("reading directory", src))?;
            let child = entry.path();
            let meta = fs::symlink_metadata(&child).map_err(io_err("getting status of", &child))?;
            if filter(&child, FileKind::of(&meta)) {
                copy_tree(&child, &dst.join(entry.file_name()), modes, filter)?;
            }
        }
        if modes == CopyModes::Preserve {
            fs::set_permissions(dst, meta.permissions())
                .map_err(io_err("setting permissions of", dst))?;
        }
    } else {
        return Err(FsError::new(
            "copying",
            src,
            io::Error::new(
                io::ErrorKind::Unsupported,
                "unsupported file type (only regular files, directories and symlinks can be copied)",
            ),
        ));
    }
    Ok(())
}

/// Moves a tree from `from` to `to` with one atomic rename; across file
/// systems, copies it (keeping permissions) and then removes the original.
pub fn move_tree(from: &Path, to: &Path) -> Result<(), FsError> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            copy_tree(from, to, CopyModes::Preserve, &mut |_, _| true)?;
            remove_tree(from)
        }
        Err(e) => Err(FsError::new("moving", from, e)),
    }
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name beside `path` for a hidden temporary that no other process or
/// thread picks: `.NAME.tmp-PID-N`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{base}.tmp-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes a file atomically: `fill` writes a hidden temporary beside `path`,
/// which is flushed to disk and renamed over `path`. Readers see the old
/// file or the complete new one, never a part; on failure the temporary is
/// removed. The parent directory is created if missing.
pub fn write_atomically(
    path: &Path,
    fill: &mut dyn FnMut(&mut File) -> io::Result<()>,
) -> Result<(), FsError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_err("creating directory", parent))?;
    }
    let tmp = temp_sibling(path);
    let mut write = || -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(FsError::new("writing", &tmp, e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        FsError::new("renaming into place", path, e)
    })
}

/// Points the symlink `link` at `target`, replacing whatever `link` was in
/// one rename (no moment without a link). The parent directory is created
/// if missing.
pub fn replace_symlink(target: &Path, link: &Path) -> Result<(), FsError> {
    if let Some(parent) = link.parent() {
        fs::create_dir_all(parent).map_err(io_err("creating directory", parent))?;
    }
    let tmp = temp_sibling(link);
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(io_err("creating symlink", &tmp))?;
    fs::rename(&tmp, link).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        FsError::new("creating symlink", link, e)
    })
}

/// Flushes a file or directory to disk (for a directory: its entries, so a
/// rename into it is durable).
pub fn sync_path(path: &Path) -> Result<(), FsError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_err("syncing", path))
}

/// Flushes every file and directory of a tree to disk (symlinks are covered
/// by their directory).
pub fn sync_tree(path: &Path) -> Result<(), FsError> {
    for entry in walk(path) {
        let entry = entry?;
        if !entry.file_type().is_symlink() {
            sync_path(entry.path())?;
        }
    }
    Ok(())
}

/// An entry met by [`walk`].
pub use walkdir::DirEntry;

/// Every entry of the tree at `root`, the root included, each directory
/// after its contents (so a caller may change a directory's permissions
/// once its children are done). Symlinks are not followed.
pub fn walk(root: &Path) -> impl Iterator<Item = Result<DirEntry, FsError>> {
    let root = root.to_path_buf();
    walkdir::WalkDir::new(&root)
        .follow_links(false)
        .contents_first(true)
        .into_iter()
        .map(move |r| {
            r.map_err(|e| {
                let path = e.path().unwrap_or(&root).to_path_buf();
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("file system loop"));
                FsError::new("walking", path, source)
            })
        })
}

/// Shared or exclusive, for [`flock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Many holders at once (readers).
    Shared,
    /// One holder (writers).
    Exclusive,
}

/// Takes an advisory `flock` on an open file, retrying when interrupted.
/// With `wait` false, returns `Ok(false)` at once if another open file
/// description holds a conflicting lock. The lock lasts until the file is
/// closed.
pub fn flock(file: &File, mode: LockMode, wait: bool) -> io::Result<bool> {
    use rustix::fs::FlockOperation as Op;
    let op = match (mode, wait) {
        (LockMode::Shared, true) => Op::LockShared,
        (LockMode::Exclusive, true) => Op::LockExclusive,
        (LockMode::Shared, false) => Op::NonBlockingLockShared,
        (LockMode::Exclusive, false) => Op::NonBlockingLockExclusive,
    };
    loop {
        match rustix::fs::flock(file, op) {
            Ok(()) => return Ok(true),
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::WOULDBLOCK) if !wait => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Opens the lock file at `path` for reading and writing, creating it if
/// needed (never truncating: another process may hold it).
fn open_lock_file(path: &Path) -> Result<File, FsError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_err("opening lock file", path))
}

/// Opens (creating it) the lock file at `path` and locks it exclusively;
/// `None` if `wait` is false and someone else holds it. A holder may
/// delete its lock file while others wait; a lock then taken on the
/// deleted inode is retried on the new file, so two processes never both
/// believe they hold `path`.
pub fn lock_file(path: &Path, wait: bool) -> Result<Option<File>, FsError> {
    loop {
        let f = open_lock_file(path)?;
        if !flock(&f, LockMode::Exclusive, wait).map_err(io_err("locking", path))? {
            return Ok(None);
        }
        let meta = f.metadata().map_err(io_err("checking lock file", path))?;
        if meta.nlink() > 0 {
            return Ok(Some(f));
        }
    }
}

/// Opens (creating it) the lock file at `path` and takes `mode` on it,
/// waiting as long as needed. For files that are never deleted (a store's
/// GC lock).
pub fn lock_file_mode(path: &Path, mode: LockMode) -> Result<File, FsError> {
    let f = open_lock_file(path)?;
    flock(&f, mode, true).map_err(io_err("locking", path))?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) {
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/b/f"), b"x").unwrap();
        fs::write(root.join("exe"), b"#!").unwrap();
        fs::set_permissions(root.join("exe"), fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::symlink("a/b/f", root.join("link")).unwrap();
    }

    #[test]
    fn remove_tree_handles_read_only_directories_and_missing_paths() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("t");
        tree(&t);
        fs::set_permissions(t.join("a/b"), fs::Permissions::from_mode(0o500)).unwrap();
        fs::set_permissions(t.join("a"), fs::Permissions::from_mode(0o000)).unwrap();
        remove_tree(&t).unwrap();
        assert!(fs::symlink_metadata(&t).is_err());
        remove_tree(&t).unwrap();
    }

    #[test]
    fn copy_tree_modes_and_filter() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        tree(&src);
        let kept = d.path().join("kept");
        copy_tree(&src, &kept, CopyModes::Preserve, &mut |_, _| true).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&kept.join("exe")), 0o750);
        assert_eq!(
            fs::read_link(kept.join("link")).unwrap(),
            Path::new("a/b/f")
        );
        let nar = d.path().join("nar");
        copy_tree(&src, &nar, CopyModes::AsInNar, &mut |p, _| {
            p.file_name().unwrap() != "b"
        })
        .unwrap();
        assert_eq!(mode(&nar.join("exe")), 0o755);
        assert!(nar.join("a").is_dir() && !nar.join("a/b").exists());
    }

    #[test]
    fn copy_tree_refuses_special_files() {
        let d = tempfile::tempdir().unwrap();
        let sock = d.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let e = copy_tree(
            &sock,
            &d.path().join("x"),
            CopyModes::Preserve,
            &mut |_, _| true,
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        assert_eq!(e.path, sock);
    }

    #[test]
    fn atomic_write_and_symlink_replace() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("sub/file");
        write_atomically(&f, &mut |w| io::Write::write_all(w, b"one")).unwrap();
        write_atomically(&f, &mut |w| io::Write::write_all(w, b"two")).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"two");
        let failed = write_atomically(&f, &mut |_| Err(io::Error::other("no")));
        assert!(failed.is_err());
        assert_eq!(fs::read(&f).unwrap(), b"two");
        let l = d.path().join("l");
        replace_symlink(Path::new("/one"), &l).unwrap();
        replace_symlink(Path::new("/two"), &l).unwrap();
        assert_eq!(fs::read_link(&l).unwrap(), Path::new("/two"));
        let names: Vec<_> = fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporaries left: {names:?}");
    }

    #[test]
    fn walk_lists_contents_before_directories() {
        let d = tempfile::tempdir().unwrap();
        tree(d.path());
        let paths: Vec<PathBuf> = walk(d.path())
            .map(|e| e.unwrap().path().to_path_buf())
            .collect();
        let pos = |p: &Path| paths.iter().position(|x| x == p).unwrap();
        assert!(pos(&d.path().join("a/b/f")) < pos(&d.path().join("a/b")));
        assert_eq!(paths.last().unwrap(), d.path());
        assert_eq!(paths.len(), 6);
        sync_tree(d.path()).unwrap();
    }

    #[test]
    fn exclusive_locks_exclude() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.lock");
        let held = lock_file(&p, true).unwrap().unwrap();
        assert!(lock_file(&p, false).unwrap().is_none());
        let other = File::open(&p).unwrap();
        assert!(!flock(&other, LockMode::Shared, false).unwrap());
        drop(held);
        assert!(lock_file(&p, false).unwrap().is_some());
    }
}
