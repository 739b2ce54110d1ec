//! NAR, the Nix ARchive: a canonical serialisation of a file system tree,
//! byte-identical to `nix-store --dump`. This module is the codec only: a
//! writer the caller drives node by node, and a pull reader that checks the
//! grammar as it goes. Walking or creating real directories is
//! `xnix-fs`'s job.
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
//!
//! A NAR carries no length of its own: a reader finds its end by parsing it,
//! which is what lets protocols send NARs back to back on one stream.

use std::io::{self, Read, Write};

use thiserror::Error;

use crate::hash::{Hash, HashAlgo, HashingWriter};

/// The magic string a NAR starts with.
pub const NAR_MAGIC: &str = "nix-archive-1";

/// Longest name or symlink target accepted when reading (Linux's PATH_MAX).
const MAX_TOKEN: u64 = 4096;

/// Size of the chunks file contents are copied in.
const CHUNK: usize = 1 << 20;

/// An error while reading a NAR stream.
#[derive(Debug, Error)]
pub enum NarError {
    /// An I/O error on the NAR stream itself.
    #[error("NAR stream: {0}")]
    Stream(#[from] io::Error),
    /// The archive does not follow the NAR grammar.
    #[error("malformed NAR at byte {offset}: {message}")]
    Malformed {
        /// Byte offset in the archive.
        offset: u64,
        /// What was wrong.
        message: String,
    },
}

fn pad(out: &mut impl Write, len: u64) -> io::Result<()> {
    let rem = (len % 8) as usize;
    if rem != 0 {
        out.write_all(&[0u8; 8][..8 - rem])?;
    }
    Ok(())
}

/// Writes a NAR node by node. The caller keeps the grammar: one root node;
/// inside a directory, entries in ascending name-byte order, each
/// [`entry`](NarWriter::entry) followed by exactly one node and
/// [`end_entry`](NarWriter::end_entry).
pub struct NarWriter<W: Write> {
    out: W,
}

impl<W: Write> NarWriter<W> {
    /// Starts a NAR on `out` (writes the magic).
    pub fn new(out: W) -> io::Result<NarWriter<W>> {
        let mut w = NarWriter { out };
        w.token(NAR_MAGIC.as_bytes())?;
        Ok(w)
    }

    fn token(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(&(b.len() as u64).to_le_bytes())?;
        self.out.write_all(b)?;
        pad(&mut self.out, b.len() as u64)
    }

    fn tokens(&mut self, tokens: &[&str]) -> io::Result<()> {
        for t in tokens {
            self.token(t.as_bytes())?;
        }
        Ok(())
    }

    /// A regular file of `size` bytes whose contents come from `contents`,
    /// streamed in large chunks. Fails if `contents` ends early.
    pub fn regular(&mut self, executable: bool, size: u64, contents: impl Read) -> io::Result<()> {
        self.tokens(&["(", "type", "regular"])?;
        if executable {
            self.tokens(&["executable", ""])?;
        }
        self.token(b"contents")?;
        self.out.write_all(&size.to_le_bytes())?;
        let copied = io::copy(&mut contents.take(size), &mut self.out)?;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file shrank while being archived ({copied} of {size} bytes)"),
            ));
        }
        pad(&mut self.out, size)?;
        self.token(b")")
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, target: &[u8]) -> io::Result<()> {
        self.tokens(&["(", "type", "symlink", "target"])?;
        self.token(target)?;
        self.token(b")")
    }

    /// Opens a directory node; entries follow, then [`end_directory`](Self::end_directory).
    pub fn directory(&mut self) -> io::Result<()> {
        self.tokens(&["(", "type", "directory"])
    }

    /// Opens the directory entry `name`; its node follows.
    pub fn entry(&mut self, name: &[u8]) -> io::Result<()> {
        self.tokens(&["entry", "(", "name"])?;
        self.token(name)?;
        self.token(b"node")
    }

    /// Closes the entry opened last.
    pub fn end_entry(&mut self) -> io::Result<()> {
        self.token(b")")
    }

    /// Closes the directory opened last.
    pub fn end_directory(&mut self) -> io::Result<()> {
        self.token(b")")
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The NAR of a single regular file with the given contents (what a text
/// object such as `builtins.toFile` serialises as).
pub fn dump_bytes(contents: &[u8], executable: bool, out: impl Write) -> io::Result<()> {
    let mut w = NarWriter::new(out)?;
    w.regular(executable, contents.len() as u64, contents)?;
    w.finish().map(drop)
}

/// The SHA-256 of the NAR of a single regular file and the NAR's size.
pub fn bytes_nar_hash(contents: &[u8], executable: bool) -> (Hash, u64) {
    let mut h = HashingWriter::new(HashAlgo::Sha256);
    dump_bytes(contents, executable, &mut h).expect("hashing does not fail");
    h.finish()
}

/// One step of a NAR, as [`NarReader::next_event`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarEvent {
    /// A regular file of `size` bytes; read its contents with
    /// [`NarReader::contents`] (or let the next call skip them).
    Regular {
        /// The executable bit.
        executable: bool,
        /// Size of the contents.
        size: u64,
    },
    /// A symbolic link.
    Symlink {
        /// Its target (non-empty, no NUL).
        target: Vec<u8>,
    },
    /// A directory starts; its entries follow, then [`NarEvent::EndDirectory`].
    Directory,
    /// The next node is the directory entry `name` (non-empty, not `.` or
    /// `..`, no `/` or NUL, greater than the previous entry's name).
    Entry {
        /// The entry's name.
        name: Vec<u8>,
    },
    /// The directory opened last is complete.
    EndDirectory,
}

/// Where the reader is in the grammar.
#[derive(Debug)]
enum Frame {
    /// Inside a directory, after the entry named `prev` (if any).
    Directory { prev: Option<Vec<u8>> },
    /// Inside an entry whose node has been read; `)` comes next.
    EntryDone,
}

/// Reads a NAR as a sequence of [`NarEvent`]s, checking the grammar: bad
/// magic, unknown tokens, entries out of order or duplicated, invalid names,
/// over-long tokens and non-zero padding are errors. It never reads past the
/// archive's end, so a NAR can be followed by other data on the same stream.
pub struct NarReader<R: Read> {
    inp: R,
    offset: u64,
    stack: Vec<Frame>,
    /// Content bytes of the current regular file not yet consumed.
    pending: Option<u64>,
    started: bool,
    done: bool,
}

impl<R: Read> NarReader<R> {
    /// A reader over `inp`, which must start with the NAR's magic.
    pub fn new(inp: R) -> NarReader<R> {
        NarReader {
            inp,
            offset: 0,
            stack: Vec::new(),
            pending: None,
            started: false,
            done: false,
        }
    }

    /// Bytes of the archive read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Gives back the underlying stream (positioned after what was read).
    pub fn into_inner(self) -> R {
        self.inp
    }

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

    /// Copies the current regular file's contents into `out` (all of them,
    /// in large chunks). Does nothing if they were consumed already.
    pub fn contents(&mut self, out: &mut impl Write) -> Result<(), NarError> {
        let Some(len) = self.pending.take() else {
            return Ok(());
        };
        let mut buf = vec![0u8; CHUNK.min(len as usize).max(1)];
        let mut left = len;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            self.exact(&mut buf[..n])?;
            out.write_all(&buf[..n])?;
            left -= n as u64;
        }
        self.padding(len)?;
        self.expect(")")?;
        self.node_done();
        Ok(())
    }

    /// A node finished: the enclosing entry (if any) now expects its `)`.
    fn node_done(&mut self) {
        if self.stack.is_empty() {
            self.done = true;
        } else {
            self.stack.push(Frame::EntryDone);
        }
    }

    /// The next event, or `None` once the root node is complete.
    pub fn next_event(&mut self) -> Result<Option<NarEvent>, NarError> {
        if self.pending.is_some() {
            self.contents(&mut io::sink())?;
        }
        if !self.started {
            self.started = true;
            let magic = self.token()?;
            if magic != NAR_MAGIC.as_bytes() {
                return Err(NarError::Malformed {
                    offset: 0,
                    message: "not a NAR (bad magic)".into(),
                });
            }
            return self.node().map(Some);
        }
        loop {
            if self.done {
                return Ok(None);
            }
            match self.stack.last_mut() {
                None => return Err(self.malformed("reader used after an error")),
                Some(Frame::EntryDone) => {
                    self.stack.pop();
                    self.expect(")")?;
                }
                Some(Frame::Directory { .. }) => {
                    let at = self.offset;
                    let tok = self.token()?;
                    match tok.as_slice() {
                        b")" => {
                            self.stack.pop();
                            self.node_done();
                            return Ok(Some(NarEvent::EndDirectory));
                        }
                        b"entry" => return self.entry().map(Some),
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
                }
            }
        }
    }

    fn entry(&mut self) -> Result<NarEvent, NarError> {
        self.expect("(")?;
        self.expect("name")?;
        let name = self.token()?;
        if name.is_empty()
            || name == b"."
            || name == b".."
            || name.contains(&b'/')
            || name.contains(&0)
        {
            return Err(self.malformed(format!(
                "invalid file name '{}'",
                String::from_utf8_lossy(&name)
            )));
        }
        let in_order = match self.stack.last() {
            Some(Frame::Directory { prev: Some(p) }) => name.as_slice() > p.as_slice(),
            _ => true,
        };
        if !in_order {
            return Err(self.malformed(format!(
                "directory entries not sorted or duplicated at '{}'",
                String::from_utf8_lossy(&name)
            )));
        }
        if let Some(Frame::Directory { prev }) = self.stack.last_mut() {
            *prev = Some(name.clone());
        }
        self.expect("node")?;
        Ok(NarEvent::Entry { name })
    }

    /// Reads the header of the node that follows an `Entry` (or the root).
    fn node(&mut self) -> Result<NarEvent, NarError> {
        self.expect("(")?;
        self.expect("type")?;
        let at = self.offset;
        let ty = self.token()?;
        match ty.as_slice() {
            b"regular" => {
                let mut executable = false;
                let at = self.offset;
                let mut tok = self.token()?;
                if tok == b"executable" {
                    executable = true;
                    if !self.token()?.is_empty() {
                        return Err(
                            self.malformed("'executable' must be followed by an empty string")
                        );
                    }
                    tok = self.token()?;
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
                let size = self.u64()?;
                self.pending = Some(size);
                Ok(NarEvent::Regular { executable, size })
            }
            b"symlink" => {
                self.expect("target")?;
                let target = self.token()?;
                if target.is_empty() || target.contains(&0) {
                    return Err(self.malformed("symlink target is empty or contains NUL"));
                }
                self.expect(")")?;
                self.node_done();
                Ok(NarEvent::Symlink { target })
            }
            b"directory" => {
                self.stack.push(Frame::Directory { prev: None });
                Ok(NarEvent::Directory)
            }
            other => Err(NarError::Malformed {
                offset: at,
                message: format!("unknown file type '{}'", String::from_utf8_lossy(other)),
            }),
        }
    }

    /// After an [`NarEvent::Entry`]: the entry's node.
    pub fn entry_node(&mut self) -> Result<NarEvent, NarError> {
        self.node()
    }
}

/// Reads one whole NAR from `inp` and copies it, byte for byte, to `out`,
/// stopping exactly at its end; returns its size. This is how a NAR sent
/// without a length (Nix's serve protocol) is taken off a stream.
pub fn copy_nar(inp: impl Read, out: impl Write) -> Result<u64, NarError> {
    let mut tee = TeeReader { inp, out };
    let mut r = NarReader::new(&mut tee);
    walk(&mut r, &mut |_, _| Ok(()))?;
    Ok(r.offset())
}

/// A visitor of NAR events (see [`walk`]).
pub type Visit<'a, R> = dyn FnMut(&mut NarReader<R>, &NarEvent) -> Result<(), NarError> + 'a;

/// Visits every event of `r` in order, with the regular files' contents
/// skipped (`visit` may read them with `r.contents`).
pub fn walk<R: Read>(r: &mut NarReader<R>, visit: &mut Visit<'_, R>) -> Result<(), NarError> {
    while let Some(ev) = r.next_event()? {
        visit(r, &ev)?;
        if matches!(ev, NarEvent::Entry { .. }) {
            let node = r.entry_node()?;
            visit(r, &node)?;
        }
    }
    Ok(())
}

/// A reader that copies what is read to a writer.
struct TeeReader<R: Read, W: Write> {
    inp: R,
    out: W,
}

impl<R: Read, W: Write> Read for TeeReader<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inp.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ts: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for t in ts {
            out.extend_from_slice(&(t.len() as u64).to_le_bytes());
            out.extend_from_slice(t.as_bytes());
            pad(&mut out, t.len() as u64).unwrap();
        }
        out
    }

    fn events(nar: &[u8]) -> Result<Vec<NarEvent>, NarError> {
        let mut r = NarReader::new(nar);
        let mut evs = Vec::new();
        walk(&mut r, &mut |_, e| {
            evs.push(e.clone());
            Ok(())
        })?;
        Ok(evs)
    }

    #[test]
    fn writer_and_reader_agree() {
        let mut w = NarWriter::new(Vec::new()).unwrap();
        w.directory().unwrap();
        w.entry(b"a").unwrap();
        w.regular(true, 3, &b"abc"[..]).unwrap();
        w.end_entry().unwrap();
        w.entry(b"b").unwrap();
        w.symlink(b"a").unwrap();
        w.end_entry().unwrap();
        w.entry(b"c").unwrap();
        w.directory().unwrap();
        w.end_directory().unwrap();
        w.end_entry().unwrap();
        w.end_directory().unwrap();
        let nar = w.finish().unwrap();
        assert_eq!(nar.len() % 8, 0);
        let evs = events(&nar).unwrap();
        assert_eq!(
            evs,
            vec![
                NarEvent::Directory,
                NarEvent::Entry {
                    name: b"a".to_vec()
                },
                NarEvent::Regular {
                    executable: true,
                    size: 3
                },
                NarEvent::Entry {
                    name: b"b".to_vec()
                },
                NarEvent::Symlink {
                    target: b"a".to_vec()
                },
                NarEvent::Entry {
                    name: b"c".to_vec()
                },
                NarEvent::Directory,
                NarEvent::EndDirectory,
                NarEvent::EndDirectory,
            ]
        );
        // Followed by other data: the copy stops exactly at the end.
        let mut stream = nar.clone();
        stream.extend_from_slice(b"trailing");
        let mut copied = Vec::new();
        let mut inp = &stream[..];
        assert_eq!(copy_nar(&mut inp, &mut copied).unwrap(), nar.len() as u64);
        assert_eq!(copied, nar);
        assert_eq!(inp, b"trailing");
    }

    #[test]
    fn rejects_unsorted_and_bad_names() {
        let mut bad = tokens(&[NAR_MAGIC, "(", "type", "directory"]);
        for name in ["b", "a"] {
            bad.extend(tokens(&[
                "entry", "(", "name", name, "node", "(", "type", "symlink", "target", "x", ")", ")",
            ]));
        }
        bad.extend(tokens(&[")"]));
        let err = events(&bad).unwrap_err();
        assert!(err.to_string().contains("not sorted"), "{err}");

        let bad = tokens(&[
            NAR_MAGIC,
            "(",
            "type",
            "directory",
            "entry",
            "(",
            "name",
            "..",
            "node",
        ]);
        let err = events(&bad).unwrap_err();
        assert!(err.to_string().contains("invalid file name"), "{err}");

        let err = events(b"garbage!").unwrap_err();
        assert!(matches!(err, NarError::Malformed { .. }), "{err}");

        let mut truncated = Vec::new();
        dump_bytes(b"hello", false, &mut truncated).unwrap();
        truncated.truncate(truncated.len() - 8);
        let err = events(&truncated).unwrap_err();
        assert!(err.to_string().contains("ends unexpectedly"), "{err}");
    }
}
