//! NARs of real file system trees: dumping a path (optionally filtered),
//! hashing it, and restoring a NAR stream into a new directory. The format
//! itself is `xnix_formats::nar`.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;
use xnix_formats::hash::{Hash, HashAlgo, HashingWriter};
use xnix_formats::nar::{NarError, NarEvent, NarReader, NarWriter};

use crate::{io_err, FileKind, FsError, PathFilter};

/// Size of the buffers file contents are copied through.
const CHUNK: usize = 1 << 20;

/// An error while archiving or restoring a tree.
#[derive(Debug, Error)]
pub enum NarFsError {
    /// An I/O error on a given path.
    #[error("{action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file type that NARs cannot hold (device, socket, fifo).
    #[error("file '{0}' has an unsupported type (only regular files, directories and symlinks can be archived)")]
    UnsupportedType(PathBuf),
    /// Restoring would overwrite something.
    #[error("cannot restore NAR to '{0}': it already exists")]
    DestinationExists(PathBuf),
    /// The NAR stream failed or is malformed.
    #[error(transparent)]
    Nar(#[from] NarError),
}

impl From<io::Error> for NarFsError {
    fn from(e: io::Error) -> NarFsError {
        NarFsError::Nar(NarError::Stream(e))
    }
}

impl From<FsError> for NarFsError {
    fn from(e: FsError) -> NarFsError {
        NarFsError::Io {
            action: e.op,
            path: e.path,
            source: e.source,
        }
    }
}

/// Serialise the tree at `path` as a NAR into `out`. Directories are walked in
/// name-byte order; file contents are streamed in large chunks, never held whole.
pub fn dump_path<W: Write>(path: &Path, out: W) -> Result<(), NarFsError> {
    dump_path_filtered(path, out, &mut |_, _| true)
}

/// Like [`dump_path`], leaving out entries (and everything below them) for
/// which `filter` returns false.
pub fn dump_path_filtered<W: Write>(
    path: &Path,
    out: W,
    filter: &mut PathFilter<'_>,
) -> Result<(), NarFsError> {
    let mut w = NarWriter::new(out)?;
    let meta = fs::symlink_metadata(path).map_err(io_err("getting status of", path))?;
    dump_node(path, meta, &mut w, filter)?;
    w.finish()?;
    Ok(())
}

fn dump_node<W: Write>(
    path: &Path,
    meta: fs::Metadata,
    w: &mut NarWriter<W>,
    filter: &mut PathFilter<'_>,
) -> Result<(), NarFsError> {
    let ft = meta.file_type();
    if ft.is_file() {
        let f = File::open(path).map_err(io_err("opening", path))?;
        let executable = meta.permissions().mode() & 0o100 != 0;
        // Read errors are the file's, not the stream's: tell them apart by
        // wrapping the reader.
        let mut failed: Option<io::Error> = None;
        let reader = ErrorCapture {
            inner: io::BufReader::with_capacity(CHUNK, f),
            failed: &mut failed,
        };
        let res = w.regular(executable, meta.len(), reader);
        if let Some(e) = failed {
            return Err(io_err("reading", path)(e).into());
        }
        res.map_err(|e| -> NarFsError {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io_err("reading", path)(e).into()
            } else {
                e.into()
            }
        })?;
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(io_err("reading symlink", path))?;
        w.symlink(target.as_os_str().as_bytes())?;
    } else if ft.is_dir() {
        w.directory()?;
        for name in sorted_names(path)? {
            let child = path.join(&name);
            let meta = fs::symlink_metadata(&child).map_err(io_err("getting status of", &child))?;
            if !filter(&child, FileKind::of(&meta)) {
                continue;
            }
            w.entry(name.as_bytes())?;
            dump_node(&child, meta, w, filter)?;
            w.end_entry()?;
        }
        w.end_directory()?;
    } else {
        return Err(NarFsError::UnsupportedType(path.to_path_buf()));
    }
    Ok(())
}

/// The entries of directory `path`, sorted by name bytes (NAR order).
fn sorted_names(path: &Path) -> Result<Vec<OsString>, NarFsError> {
    let mut names: Vec<OsString> = fs::read_dir(path)
        .map_err(io_err("reading directory", path))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io_err("reading directory", path))?;
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Ok(names)
}

/// A reader that remembers its own error, so that a failure reading a file
/// is reported with the file's path rather than as a stream error.
struct ErrorCapture<'a, R: Read> {
    inner: R,
    failed: &'a mut Option<io::Error>,
}

impl<R: Read> Read for ErrorCapture<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                let kind = e.kind();
                *self.failed = Some(e);
                Err(io::Error::new(kind, "reading file"))
            }
        }
    }
}

/// The SHA-256 of the NAR of `path` and the NAR's size, computed while
/// streaming (the archive is never held in memory).
pub fn nar_hash(path: &Path) -> Result<(Hash, u64), NarFsError> {
    nar_hash_with(path, HashAlgo::Sha256)
}

/// Like [`nar_hash`] with any algorithm (as `nix-hash --type ALGO PATH`).
pub fn nar_hash_with(path: &Path, algo: HashAlgo) -> Result<(Hash, u64), NarFsError> {
    let mut h = HashingWriter::new(algo);
    // Buffer the many tiny token writes; contents pass through in big chunks.
    dump_path(path, io::BufWriter::with_capacity(1 << 16, &mut h))?;
    Ok(h.finish())
}

/// Restore a NAR read from `inp` to `dest`, which must not exist yet.
///
/// The archive is checked as it is read (see `xnix_formats::nar::NarReader`).
/// Because entry names cannot contain `/` and must be unique, nothing is ever
/// written outside `dest` or through a symlink from the archive. Reading
/// stops exactly at the archive's end.
pub fn restore<R: Read>(inp: R, dest: &Path) -> Result<(), NarFsError> {
    if fs::symlink_metadata(dest).is_ok() {
        return Err(NarFsError::DestinationExists(dest.to_path_buf()));
    }
    let mut r = NarReader::new(inp);
    // The directory each open directory node is being restored into, and the
    // path the next node goes to.
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut next_path = dest.to_path_buf();
    while let Some(ev) = r.next_event()? {
        let ev = match ev {
            NarEvent::Entry { name } => {
                let parent = dirs.last().expect("entries only occur inside directories");
                next_path = parent.join(OsStr::from_bytes(&name));
                r.entry_node()?
            }
            other => other,
        };
        match ev {
            NarEvent::Regular { executable, .. } => {
                let mode = if executable { 0o755 } else { 0o644 };
                let f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&next_path)
                    .map_err(io_err("creating file", &next_path))?;
                let mut out = io::BufWriter::with_capacity(CHUNK, f);
                r.contents(&mut out).map_err(|e| match e {
                    NarError::Stream(source) => io_err("writing", &next_path)(source).into(),
                    other => NarFsError::from(other),
                })?;
                out.flush().map_err(io_err("writing", &next_path))?;
            }
            NarEvent::Symlink { target } => {
                std::os::unix::fs::symlink(OsString::from_vec(target), &next_path)
                    .map_err(io_err("creating symlink", &next_path))?;
            }
            NarEvent::Directory => {
                fs::create_dir(&next_path).map_err(io_err("creating directory", &next_path))?;
                dirs.push(next_path.clone());
            }
            NarEvent::EndDirectory => {
                dirs.pop();
            }
            NarEvent::Entry { .. } => unreachable!("an entry's node is never an entry"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xnix_formats::nar::dump_bytes;

    #[test]
    fn single_file_nar_matches_dump_bytes() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        fs::write(&f, b"hello").unwrap();
        let mut a = Vec::new();
        dump_path(&f, &mut a).unwrap();
        let mut b = Vec::new();
        dump_bytes(b"hello", false, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len() % 8, 0);
    }

    #[test]
    fn dump_restore_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(src.join("sub/deeper")).unwrap();
        fs::write(src.join("a"), b"aaa").unwrap();
        fs::write(src.join("sub/x"), vec![7u8; 3 * CHUNK + 5]).unwrap();
        fs::set_permissions(src.join("sub/x"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("../a", src.join("sub/link")).unwrap();
        let mut nar = Vec::new();
        dump_path(&src, &mut nar).unwrap();
        let dst = d.path().join("dst");
        restore(&nar[..], &dst).unwrap();
        let mut again = Vec::new();
        dump_path(&dst, &mut again).unwrap();
        assert_eq!(nar, again);
        assert!(
            restore(&nar[..], &dst).is_err(),
            "restoring over an existing path"
        );
    }
}
