//! NAR, the Nix ARchive: a canonical serialisation of a filesystem tree,
//! byte-identical to `nix-store --dump`.
//!
//! A NAR records only what a store object may carry: regular files (with
//! one "executable" bit), symlinks and directories (entries sorted by name
//! bytes). No timestamps, owners or other permissions, so the same tree
//! always gives the same bytes and therefore the same hash.
//!
//! Encoding: every token is a string written as a little-endian `u64`
//! length, the bytes, and zero padding to a multiple of 8.
//!
//! ```text
//! "nix-archive-1" node
//! node  = "(" "type" ( "regular" ["executable" ""] "contents" BYTES
//!                    | "symlink" "target" TARGET
//!                    | "directory" { "entry" "(" "name" NAME "node" node ")" } ) ")"
//! ```

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::hash::{Hash, HashAlgo, HashingWriter};

/// The magic string a NAR starts with.
pub const NAR_MAGIC: &str = "nix-archive-1";

/// Longest name or symlink target accepted when restoring (Linux's PATH_MAX).
const MAX_TOKEN: u64 = 4096;

/// Size of the chunks file contents are copied in.
const CHUNK: usize = 1 << 20;

/// An error while writing or reading a NAR.
#[derive(Debug, Error)]
pub enum NarError {
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
    /// An I/O error on the NAR stream itself.
    #[error("NAR stream: {0}")]
    Stream(#[from] io::Error),
    /// A file type that NARs cannot hold (device, socket, fifo).
    #[error("file '{0}' has an unsupported type (only regular files, directories and symlinks can be archived)")]
    UnsupportedType(PathBuf),
    /// The archive does not follow the NAR grammar.
    #[error("malformed NAR at byte {offset}: {message}")]
    Malformed {
        /// Byte offset in the archive.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// Restoring would overwrite something.
    #[error("cannot restore NAR to '{0}': it already exists")]
    DestinationExists(PathBuf),
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> NarError + 'a {
    move |source| NarError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes NAR tokens to a sink.
struct TokenWriter<W: Write> {
    out: W,
}

impl<W: Write> TokenWriter<W> {
    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(&(b.len() as u64).to_le_bytes())?;
        self.out.write_all(b)?;
        self.pad(b.len() as u64)
    }

    fn pad(&mut self, len: u64) -> io::Result<()> {
        let rem = (len % 8) as usize;
        if rem != 0 {
            self.out.write_all(&[0u8; 8][..8 - rem])?;
        }
        Ok(())
    }

    fn strs(&mut self, tokens: &[&str]) -> io::Result<()> {
        for t in tokens {
            self.bytes(t.as_bytes())?;
        }
        Ok(())
    }
}

/// The kind of a filesystem entry, as a source filter sees it
/// (`builtins.path`'s and `filterSource`'s `type` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file (`"regular"`).
    Regular,
    /// A directory (`"directory"`).
    Directory,
    /// A symbolic link (`"symlink"`).
    Symlink,
    /// Anything else (`"unknown"`); archiving it is an error.
    Unknown,
}

impl FileKind {
    /// The kind of the entry described by `meta` (from `symlink_metadata`).
    pub fn of(meta: &fs::Metadata) -> FileKind {
        let ft = meta.file_type();
        if ft.is_file() {
            FileKind::Regular
        } else if ft.is_dir() {
            FileKind::Directory
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Unknown
        }
    }

    /// The name Nix gives the kind: `regular`, `directory`, `symlink`, `unknown`.
    pub fn nix_name(self) -> &'static str {
        match self {
            FileKind::Regular => "regular",
            FileKind::Directory => "directory",
            FileKind::Symlink => "symlink",
            FileKind::Unknown => "unknown",
        }
    }
}

/// A source filter: given the full path of an entry below the root and its
/// kind, whether to include it. The root itself is always included.
pub type PathFilter<'a> = dyn FnMut(&Path, FileKind) -> bool + 'a;

/// Serialise the tree at `path` as a NAR into `out`. Directories are walked in
/// name-byte order; file contents are streamed in large chunks, never held whole.
pub fn dump_path<W: Write>(path: &Path, out: W) -> Result<(), NarError> {
    dump_path_filtered(path, out, &mut |_, _| true)
}

/// Like [`dump_path`], leaving out entries (and everything below them) for
/// which `filter` returns false.
pub fn dump_path_filtered<W: Write>(
    path: &Path,
    out: W,
    filter: &mut PathFilter<'_>,
) -> Result<(), NarError> {
    let mut w = TokenWriter { out };
    w.bytes(NAR_MAGIC.as_bytes())?;
    let mut buf = vec![0u8; CHUNK];
    let meta = fs::symlink_metadata(path).map_err(io_err("getting status of", path))?;
    dump_node(path, meta, &mut w, &mut buf, filter)?;
    w.out.flush()?;
    Ok(())
}

fn dump_node<W: Write>(
    path: &Path,
    meta: fs::Metadata,
    w: &mut TokenWriter<W>,
    buf: &mut [u8],
    filter: &mut PathFilter<'_>,
) -> Result<(), NarError> {
    let ft = meta.file_type();
    w.strs(&["(", "type"])?;
    if ft.is_file() {
        w.bytes(b"regular")?;
        if meta.permissions().mode() & 0o100 != 0 {
            w.strs(&["executable", ""])?;
        }
        w.bytes(b"contents")?;
        let mut f = File::open(path).map_err(io_err("opening", path))?;
        let size = meta.len();
        w.out.write_all(&size.to_le_bytes())?;
        let mut left = size;
        while left > 0 {
            let want = (left.min(buf.len() as u64)) as usize;
            let n = match f.read(&mut buf[..want]) {
                Ok(0) => {
                    return Err(NarError::Io {
                        action: "reading",
                        path: path.to_path_buf(),
                        source: io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "file shrank while being archived",
                        ),
                    })
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("reading", path)(e)),
            };
            w.out.write_all(&buf[..n])?;
            left -= n as u64;
        }
        w.pad(size)?;
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(io_err("reading symlink", path))?;
        w.strs(&["symlink", "target"])?;
        w.bytes(target.as_os_str().as_bytes())?;
    } else if ft.is_dir() {
        w.bytes(b"directory")?;
        let mut names: Vec<OsString> = fs::read_dir(path)
            .map_err(io_err("reading directory", path))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(io_err("reading directory", path))?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let child = path.join(&name);
            let meta = fs::symlink_metadata(&child).map_err(io_err("getting status of", &child))?;
            if !filter(&child, FileKind::of(&meta)) {
                continue;
            }
            w.strs(&["entry", "(", "name"])?;
            w.bytes(name.as_bytes())?;
            w.bytes(b"node")?;
            dump_node(&child, meta, w, buf, filter)?;
            w.bytes(b")")?;
        }
    } else {
        return Err(NarError::UnsupportedType(path.to_path_buf()));
    }
    w.bytes(b")")?;
    Ok(())
}

/// The NAR of a single regular file with the given contents (what a text
/// object such as `builtins.toFile` serialises as).
pub fn dump_bytes(contents: &[u8], executable: bool, out: impl Write) -> io::Result<()> {
    let mut w = TokenWriter { out };
    w.strs(&[NAR_MAGIC, "(", "type", "regular"])?;
    if executable {
        w.strs(&["executable", ""])?;
    }
    w.bytes(b"contents")?;
    w.bytes(contents)?;
    w.bytes(b")")?;
    w.out.flush()
}

/// The SHA-256 of the NAR of `path` and the NAR's size, computed while
/// streaming (the archive is never held in memory).
pub fn nar_hash(path: &Path) -> Result<(Hash, u64), NarError> {
    nar_hash_with(path, HashAlgo::Sha256)
}

/// Like [`nar_hash`] with any algorithm (as `nix-hash --type ALGO PATH`).
pub fn nar_hash_with(path: &Path, algo: HashAlgo) -> Result<(Hash, u64), NarError> {
    let mut h = HashingWriter::new(algo);
    // Buffer the many tiny token writes; contents pass through in big chunks.
    dump_path(path, io::BufWriter::with_capacity(1 << 16, &mut h))?;
    Ok(h.finish())
}

/// Reads NAR tokens from a stream, tracking the offset for error messages.
struct TokenReader<R: Read> {
    inp: R,
    offset: u64,
}

impl<R: Read> TokenReader<R> {
    fn malformed(&self, message: impl Into<String>) -> NarError {
        NarError::Malformed {
            offset: self.offset,
            message: message.into(),
        }
    }

    fn exact(&mut self, buf: &mut [u8]) -> Result<(), NarError> {
        self.inp.read_exact(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                self.malformed("archive ends unexpectedly")
            } else {
                NarError::Stream(e)
            }
        })?;
        self.offset += buf.len() as u64;
        Ok(())
    }

    fn u64(&mut self) -> Result<u64, NarError> {
        let mut b = [0u8; 8];
        self.exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn padding(&mut self, len: u64) -> Result<(), NarError> {
        let rem = (len % 8) as usize;
        if rem != 0 {
            let mut pad = [0u8; 8];
            self.exact(&mut pad[..8 - rem])?;
            if pad.iter().any(|&b| b != 0) {
                return Err(self.malformed("non-zero padding"));
            }
        }
        Ok(())
    }

    /// A short token (keyword, name, target), at most `MAX_TOKEN` bytes.
    fn token(&mut self) -> Result<Vec<u8>, NarError> {
        let len = self.u64()?;
        if len > MAX_TOKEN {
            return Err(self.malformed(format!(
                "string of {len} bytes where a short token was expected"
            )));
        }
        let mut b = vec![0u8; len as usize];
        self.exact(&mut b)?;
        self.padding(len)?;
        Ok(b)
    }

    fn expect(&mut self, want: &str) -> Result<(), NarError> {
        let at = self.offset;
        let got = self.token()?;
        if got != want.as_bytes() {
            return Err(NarError::Malformed {
                offset: at,
                message: format!(
                    "expected '{}', found '{}'",
                    want,
                    String::from_utf8_lossy(&got)
                ),
            });
        }
        Ok(())
    }

    /// Copy `len` content bytes into `out`.
    fn contents(&mut self, len: u64, out: &mut impl Write, path: &Path) -> Result<(), NarError> {
        let mut buf = vec![0u8; CHUNK.min(len as usize).max(1)];
        let mut left = len;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            self.exact(&mut buf[..n])?;
            out.write_all(&buf[..n]).map_err(io_err("writing", path))?;
            left -= n as u64;
        }
        self.padding(len)
    }
}

/// Restore a NAR read from `inp` to `dest`, which must not exist yet.
///
/// The archive is checked as it is read: bad magic, unknown tokens, entries
/// out of order or duplicated, names that are empty, `.`, `..` or contain `/`
/// or NUL, and non-zero padding are all rejected. Because entry names cannot
/// contain `/` and must be unique, nothing is ever written outside `dest`
/// or through a symlink from the archive.
pub fn restore<R: Read>(inp: R, dest: &Path) -> Result<(), NarError> {
    if fs::symlink_metadata(dest).is_ok() {
        return Err(NarError::DestinationExists(dest.to_path_buf()));
    }
    let mut r = TokenReader { inp, offset: 0 };
    let magic = r.token()?;
    if magic != NAR_MAGIC.as_bytes() {
        return Err(NarError::Malformed {
            offset: 0,
            message: "not a NAR (bad magic)".into(),
        });
    }
    restore_node(&mut r, dest)
}

fn restore_node<R: Read>(r: &mut TokenReader<R>, path: &Path) -> Result<(), NarError> {
    r.expect("(")?;
    r.expect("type")?;
    let at = r.offset;
    let ty = r.token()?;
    match ty.as_slice() {
        b"regular" => {
            let mut executable = false;
            let at = r.offset;
            let mut tok = r.token()?;
            if tok == b"executable" {
                executable = true;
                if !r.token()?.is_empty() {
                    return Err(r.malformed("'executable' must be followed by an empty string"));
                }
                tok = r.token()?;
            }
            if tok != b"contents" {
                return Err(NarError::Malformed {
                    offset: at,
                    message: format!(
                        "expected 'contents', found '{}'",
                        String::from_utf8_lossy(&tok)
                    ),
                });
            }
            let len = r.u64()?;
            let mode = if executable { 0o755 } else { 0o644 };
            let f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(path)
                .map_err(io_err("creating file", path))?;
            let mut w = io::BufWriter::with_capacity(CHUNK, f);
            r.contents(len, &mut w, path)?;
            w.flush().map_err(io_err("writing", path))?;
            r.expect(")")?;
        }
        b"symlink" => {
            r.expect("target")?;
            let target = r.token()?;
            if target.is_empty() || target.contains(&0) {
                return Err(r.malformed("symlink target is empty or contains NUL"));
            }
            std::os::unix::fs::symlink(OsString::from_vec(target), path)
                .map_err(io_err("creating symlink", path))?;
            r.expect(")")?;
        }
        b"directory" => {
            fs::create_dir(path).map_err(io_err("creating directory", path))?;
            let mut prev: Option<Vec<u8>> = None;
            loop {
                let at = r.offset;
                let tok = r.token()?;
                match tok.as_slice() {
                    b")" => break,
                    b"entry" => {}
                    other => {
                        return Err(NarError::Malformed {
                            offset: at,
                            message: format!(
                                "expected 'entry' or ')', found '{}'",
                                String::from_utf8_lossy(other)
                            ),
                        })
                    }
                }
                r.expect("(")?;
                r.expect("name")?;
                let name = r.token()?;
                if name.is_empty()
                    || name == b"."
                    || name == b".."
                    || name.contains(&b'/')
                    || name.contains(&0)
                {
                    return Err(r.malformed(format!(
                        "invalid file name '{}'",
                        String::from_utf8_lossy(&name)
                    )));
                }
                if let Some(p) = &prev {
                    if name.as_slice() <= p.as_slice() {
                        return Err(r.malformed(format!(
                            "directory entries not sorted or duplicated at '{}'",
                            String::from_utf8_lossy(&name)
                        )));
                    }
                }
                r.expect("node")?;
                restore_node(r, &path.join(std::ffi::OsStr::from_bytes(&name)))?;
                r.expect(")")?;
                prev = Some(name);
            }
        }
        other => {
            return Err(NarError::Malformed {
                offset: at,
                message: format!("unknown file type '{}'", String::from_utf8_lossy(other)),
            })
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rejects_unsorted_and_bad_names() {
        let mut nar = Vec::new();
        let mut w = TokenWriter { out: &mut nar };
        w.strs(&[NAR_MAGIC, "(", "type", "directory"]).unwrap();
        for name in ["b", "a"] {
            w.strs(&[
                "entry", "(", "name", name, "node", "(", "type", "symlink", "target", "x", ")", ")",
            ])
            .unwrap();
        }
        w.strs(&[")"]).unwrap();
        let d = tempfile::tempdir().unwrap();
        let err = restore(&nar[..], &d.path().join("out")).unwrap_err();
        assert!(err.to_string().contains("not sorted"), "{err}");

        let mut nar = Vec::new();
        let mut w = TokenWriter { out: &mut nar };
        w.strs(&[
            NAR_MAGIC,
            "(",
            "type",
            "directory",
            "entry",
            "(",
            "name",
            "..",
            "node",
        ])
        .unwrap();
        let err = restore(&nar[..], &d.path().join("out2")).unwrap_err();
        assert!(err.to_string().contains("invalid file name"), "{err}");

        let err = restore(&b"garbage!"[..], &d.path().join("out3")).unwrap_err();
        assert!(matches!(err, NarError::Malformed { .. }), "{err}");
    }
}
