//! The serve protocol: what `nix-store --serve` and `xnix serve --stdio`
//! speak on stdin/stdout, usually at the far end of an SSH connection
//! (Nix's `ssh://` stores, `nix-copy-closure`, remote builders).
//!
//! This module is the byte level only: numbers, strings, lists, and the
//! messages built from them, read from a [`Read`] and written to a [`Write`].
//! Which store answers, and how paths are parsed, is `xnix-remote`'s.
//!
//! # Framing
//!
//! Every number is a little-endian `u64`. A string is its length as a number,
//! its bytes, then zero bytes up to the next multiple of 8. A list of strings
//! (a set of store paths, signatures) is its length, then the strings. A
//! boolean is a number, 0 or 1.
//!
//! # A session
//!
//! The client sends [`SERVE_MAGIC_1`] and its version; the server answers
//! [`SERVE_MAGIC_2`] and its version ([`PROTOCOL_VERSION`] is 2.7, as Nix
//! 2.8's). Then the client sends commands ([`Command`]), each followed by its
//! arguments, and reads each answer before sending the next; the session ends
//! when the client closes its side. Fields a peer of a lower minor version does
//! not know are neither sent nor read (see [`BuildSettings`]).

use std::io::{self, Read, Write};

use thiserror::Error;

/// What a client sends first.
pub const SERVE_MAGIC_1: u64 = 0x390c_9deb;
/// What a server answers.
pub const SERVE_MAGIC_2: u64 = 0x5452_eecb;
/// The protocol version xnix speaks: major 2, minor 7 (Nix 2.8's).
pub const PROTOCOL_VERSION: u64 = 0x207;
/// The marker between a NAR and its metadata in `nix-store --export` streams.
pub const EXPORT_MAGIC: u64 = 0x4558_494e;

/// The longest string accepted from a peer (environment variables of
/// derivations are the longest strings that travel).
pub const MAX_STRING: u64 = 256 << 20;
/// The longest list accepted from a peer.
pub const MAX_LIST: u64 = 1 << 24;

/// The major part of a protocol version.
pub fn major(version: u64) -> u64 {
    version & 0xff00
}

/// The minor part of a protocol version.
pub fn minor(version: u64) -> u64 {
    version & 0x00ff
}

/// Errors reading the protocol.
#[derive(Debug, Error)]
pub enum WireError {
    /// The stream failed or ended early.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A string or list longer than this side accepts.
    #[error("the peer sent a {what} of {len} elements, more than the {max} accepted")]
    TooLong {
        /// "string" or "list".
        what: &'static str,
        /// The announced length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// Padding after a string was not zero.
    #[error("non-zero padding after a string")]
    BadPadding,
    /// A string that should be text was not UTF-8.
    #[error("a string that should be text is not UTF-8")]
    NotUtf8,
    /// A number outside its range (a boolean other than 0/1, a too-large count).
    #[error("bad {what}: {value}")]
    BadNumber {
        /// What was read.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// The peer does not speak this protocol.
    #[error("protocol mismatch: expected magic {expected:#x}, got {got:#x} (is the remote side a serve-protocol server, and does its shell print nothing on start?)")]
    BadMagic {
        /// The magic expected.
        expected: u64,
        /// What arrived.
        got: u64,
    },
    /// The peer speaks another major version.
    #[error("unsupported serve protocol version {0:#x} (xnix speaks 2.x)")]
    BadVersion(u64),
    /// A command number this side does not know.
    #[error("unknown serve command {0}")]
    UnknownCommand(u64),
}

/// Result of reading or writing the protocol.
pub type Result<T> = std::result::Result<T, WireError>;

/// Write a number.
pub fn write_u64(w: &mut impl Write, n: u64) -> io::Result<()> {
    w.write_all(&n.to_le_bytes())
}

/// Write a boolean (0 or 1).
pub fn write_bool(w: &mut impl Write, b: bool) -> io::Result<()> {
    write_u64(w, b as u64)
}

/// Write a string: length, bytes, zero padding to 8.
pub fn write_bytes(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    write_u64(w, s.len() as u64)?;
    w.write_all(s)?;
    let pad = (8 - s.len() % 8) % 8;
    w.write_all(&[0u8; 8][..pad])
}

/// Write a text string.
pub fn write_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    write_bytes(w, s.as_bytes())
}

/// Write a list of strings.
pub fn write_strings<S: AsRef<str>>(
    w: &mut impl Write,
    items: impl IntoIterator<Item = S, IntoIter: ExactSizeIterator>,
) -> io::Result<()> {
    let items = items.into_iter();
    write_u64(w, items.len() as u64)?;
    for s in items {
        write_str(w, s.as_ref())?;
    }
    Ok(())
}

/// Read a number.
pub fn read_u64(r: &mut impl Read) -> Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Read a number, or `None` when the stream ends cleanly before it (the
/// client closing its side between commands).
pub fn read_u64_or_eof(r: &mut impl Read) -> Result<Option<u64>> {
    let mut b = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match r.read(&mut b[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(WireError::Io(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Some(u64::from_le_bytes(b)))
}

/// Read a boolean.
pub fn read_bool(r: &mut impl Read) -> Result<bool> {
    match read_u64(r)? {
        0 => Ok(false),
        1 => Ok(true),
        value => Err(WireError::BadNumber {
            what: "boolean",
            value,
        }),
    }
}

/// Read a string's bytes.
pub fn read_bytes(r: &mut impl Read) -> Result<Vec<u8>> {
    let len = read_u64(r)?;
    if len > MAX_STRING {
        return Err(WireError::TooLong {
            what: "string",
            len,
            max: MAX_STRING,
        });
    }
    // Read through `take`, so a lying length costs memory only as the bytes
    // actually arrive.
    let mut buf = Vec::new();
    r.take(len).read_to_end(&mut buf)?;
    if (buf.len() as u64) < len {
        return Err(WireError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    let pad = ((8 - len % 8) % 8) as usize;
    let mut zeros = [0u8; 8];
    r.read_exact(&mut zeros[..pad])?;
    if zeros[..pad].iter().any(|&b| b != 0) {
        return Err(WireError::BadPadding);
    }
    Ok(buf)
}

/// Read a text string.
pub fn read_string(r: &mut impl Read) -> Result<String> {
    String::from_utf8(read_bytes(r)?).map_err(|_| WireError::NotUtf8)
}

/// Read a list length, checked against [`MAX_LIST`].
fn read_len(r: &mut impl Read) -> Result<u64> {
    let len = read_u64(r)?;
    if len > MAX_LIST {
        return Err(WireError::TooLong {
            what: "list",
            len,
            max: MAX_LIST,
        });
    }
    Ok(len)
}

/// Read a list of strings.
pub fn read_strings(r: &mut impl Read) -> Result<Vec<String>> {
    let len = read_len(r)?;
    (0..len).map(|_| read_string(r)).collect()
}

/// The commands of the protocol, with Nix's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Which of these paths are valid? (lock: bool, substitute: bool, paths) -> paths
    QueryValidPaths = 1,
    /// Metadata of these paths: (paths) -> [`PathInfo`]s, ended by an empty path.
    QueryPathInfos = 2,
    /// The NAR of one path: (path) -> NAR.
    DumpStorePath = 3,
    /// Import a `nix-store --export` stream: (stream) -> 1.
    ImportPaths = 4,
    /// Export paths as a `nix-store --export` stream: (0, paths) -> stream.
    ExportPaths = 5,
    /// Build or substitute paths: (paths, settings) -> status [, message].
    BuildPaths = 6,
    /// The closure of paths: (include outputs: bool, paths) -> paths.
    QueryClosure = 7,
    /// Build one derivation sent inline: (drv path, [`BasicDerivation`], settings) -> [`BuildResult`].
    BuildDerivation = 8,
    /// Add one path from its NAR: ([`AddToStoreNar`], NAR) -> 1.
    AddToStoreNar = 9,
}

impl Command {
    /// The command with number `n`.
    pub fn from_u64(n: u64) -> Result<Command> {
        Ok(match n {
            1 => Command::QueryValidPaths,
            2 => Command::QueryPathInfos,
            3 => Command::DumpStorePath,
            4 => Command::ImportPaths,
            5 => Command::ExportPaths,
            6 => Command::BuildPaths,
            7 => Command::QueryClosure,
            8 => Command::BuildDerivation,
            9 => Command::AddToStoreNar,
            other => return Err(WireError::UnknownCommand(other)),
        })
    }

    /// Write the command's number.
    pub fn write(self, w: &mut impl Write) -> io::Result<()> {
        write_u64(w, self as u64)
    }
}

/// Client side of the greeting: send magic and version.
pub fn write_client_hello(w: &mut impl Write) -> io::Result<()> {
    write_u64(w, SERVE_MAGIC_1)?;
    write_u64(w, PROTOCOL_VERSION)?;
    w.flush()
}

/// Client side of the greeting: read the server's magic and version.
pub fn read_server_hello(r: &mut impl Read) -> Result<u64> {
    let magic = read_u64(r)?;
    if magic != SERVE_MAGIC_2 {
        return Err(WireError::BadMagic {
            expected: SERVE_MAGIC_2,
            got: magic,
        });
    }
    let version = read_u64(r)?;
    if major(version) != 0x200 {
        return Err(WireError::BadVersion(version));
    }
    Ok(version)
}

/// Server side of the greeting: check the client's magic, answer, and
/// return the client's version.
pub fn server_hello(r: &mut impl Read, w: &mut impl Write) -> Result<u64> {
    let magic = read_u64(r)?;
    if magic != SERVE_MAGIC_1 {
        return Err(WireError::BadMagic {
            expected: SERVE_MAGIC_1,
            got: magic,
        });
    }
    write_u64(w, SERVE_MAGIC_2)?;
    write_u64(w, PROTOCOL_VERSION)?;
    w.flush()?;
    let version = read_u64(r)?;
    if major(version) != 0x200 {
        return Err(WireError::BadVersion(version));
    }
    Ok(version)
}

/// One path's metadata in an answer to [`Command::QueryPathInfos`]
/// (minor version 4 and up carry hash, content address and signatures).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathInfo {
    /// The full store path.
    pub path: String,
    /// The deriver's full path, or empty.
    pub deriver: String,
    /// Full paths of the references.
    pub references: Vec<String>,
    /// Bytes to transfer (the NAR size, the protocol does not compress).
    pub download_size: u64,
    /// NAR size.
    pub nar_size: u64,
    /// NAR hash as `sha256:BASE32`.
    pub nar_hash: String,
    /// Content address, or empty.
    pub ca: String,
    /// Signatures.
    pub sigs: Vec<String>,
}

impl PathInfo {
    /// Write one entry for a peer of protocol `version`.
    pub fn write(&self, w: &mut impl Write, version: u64) -> io::Result<()> {
        write_str(w, &self.path)?;
        write_str(w, &self.deriver)?;
        write_strings(w, &self.references)?;
        write_u64(w, self.download_size)?;
        write_u64(w, self.nar_size)?;
        if minor(version) >= 4 {
            write_str(w, &self.nar_hash)?;
            write_str(w, &self.ca)?;
            write_strings(w, &self.sigs)?;
        }
        Ok(())
    }

    /// Read one entry; `None` at the empty path that ends the answer.
    pub fn read(r: &mut impl Read, version: u64) -> Result<Option<PathInfo>> {
        let path = read_string(r)?;
        if path.is_empty() {
            return Ok(None);
        }
        let mut info = PathInfo {
            path,
            deriver: read_string(r)?,
            references: read_strings(r)?,
            download_size: read_u64(r)?,
            nar_size: read_u64(r)?,
            ..Default::default()
        };
        if minor(version) >= 4 {
            info.nar_hash = read_string(r)?;
            info.ca = read_string(r)?;
            info.sigs = read_strings(r)?;
        }
        Ok(Some(info))
    }
}

/// The arguments of [`Command::AddToStoreNar`]; the NAR (exactly
/// `nar_size` bytes) follows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddToStoreNar {
    /// The full store path.
    pub path: String,
    /// The deriver's full path, or empty.
    pub deriver: String,
    /// NAR hash; Nix sends bare base16 SHA-256.
    pub nar_hash: String,
    /// Full paths of the references.
    pub references: Vec<String>,
    /// Seconds since the epoch of the registration at the source.
    pub registration_time: u64,
    /// NAR size.
    pub nar_size: u64,
    /// Whether the source built it itself.
    pub ultimate: bool,
    /// Signatures.
    pub sigs: Vec<String>,
    /// Content address, or empty.
    pub ca: String,
}

impl AddToStoreNar {
    /// Write the arguments (not the command number, not the NAR).
    pub fn write(&self, w: &mut impl Write) -> io::Result<()> {
        write_str(w, &self.path)?;
        write_str(w, &self.deriver)?;
        write_str(w, &self.nar_hash)?;
        write_strings(w, &self.references)?;
        write_u64(w, self.registration_time)?;
        write_u64(w, self.nar_size)?;
        write_bool(w, self.ultimate)?;
        write_strings(w, &self.sigs)?;
        write_str(w, &self.ca)
    }

    /// Read the arguments.
    pub fn read(r: &mut impl Read) -> Result<AddToStoreNar> {
        Ok(AddToStoreNar {
            path: read_string(r)?,
            deriver: read_string(r)?,
            nar_hash: read_string(r)?,
            references: read_strings(r)?,
            registration_time: read_u64(r)?,
            nar_size: read_u64(r)?,
            ultimate: read_u64(r)? != 0,
            sigs: read_strings(r)?,
            ca: read_string(r)?,
        })
    }
}

/// The build settings that follow [`Command::BuildPaths`] and
/// [`Command::BuildDerivation`]; which fields travel depends on the server's
/// minor version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildSettings {
    /// Seconds without output before a build is killed (0: no limit).
    pub max_silent_time: u64,
    /// Seconds a build may take (0: no limit).
    pub build_timeout: u64,
    /// Bytes of log kept (0: no limit); minor 2 and up.
    pub max_log_size: u64,
    /// Extra rounds to check determinism; minor 3 and up.
    pub build_repeat: u64,
    /// Fail when rounds differ; minor 3 and up.
    pub enforce_determinism: bool,
    /// Keep the build directory of a failed build; minor 7 and up.
    pub keep_failed: bool,
}

impl BuildSettings {
    /// Write for a peer of protocol `version`.
    pub fn write(&self, w: &mut impl Write, version: u64) -> io::Result<()> {
        write_u64(w, self.max_silent_time)?;
        write_u64(w, self.build_timeout)?;
        if minor(version) >= 2 {
            write_u64(w, self.max_log_size)?;
        }
        if minor(version) >= 3 {
            write_u64(w, self.build_repeat)?;
            write_bool(w, self.enforce_determinism)?;
        }
        if minor(version) >= 7 {
            write_bool(w, self.keep_failed)?;
        }
        Ok(())
    }

    /// Read from a peer of protocol `version`.
    pub fn read(r: &mut impl Read, version: u64) -> Result<BuildSettings> {
        let mut s = BuildSettings {
            max_silent_time: read_u64(r)?,
            build_timeout: read_u64(r)?,
            ..Default::default()
        };
        if minor(version) >= 2 {
            s.max_log_size = read_u64(r)?;
        }
        if minor(version) >= 3 {
            s.build_repeat = read_u64(r)?;
            s.enforce_determinism = read_u64(r)? != 0;
        }
        if minor(version) >= 7 {
            s.keep_failed = read_u64(r)? != 0;
        }
        Ok(s)
    }
}

/// One output of a [`BasicDerivation`] on the wire: Nix sends the path (empty
/// for floating outputs), `method:algo` and the base16 hash of fixed outputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WireOutput {
    /// Output name.
    pub name: String,
    /// Full output path, or empty.
    pub path: String,
    /// `r:sha256` and the like for fixed outputs, or empty.
    pub hash_algo: String,
    /// Base16 hash of a fixed output, or empty.
    pub hash: String,
}

/// A derivation as [`Command::BuildDerivation`] sends it: without its input
/// derivations (their outputs are among `input_srcs`), outputs and
/// environment in name order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BasicDerivation {
    /// Outputs.
    pub outputs: Vec<WireOutput>,
    /// Full paths of the inputs (sources and input derivations' outputs).
    pub input_srcs: Vec<String>,
    /// System (`x86_64-linux`, ...).
    pub platform: String,
    /// Builder program.
    pub builder: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment, in name order.
    pub env: Vec<(String, String)>,
}

impl BasicDerivation {
    /// Write the derivation.
    pub fn write(&self, w: &mut impl Write) -> io::Result<()> {
        write_u64(w, self.outputs.len() as u64)?;
        for o in &self.outputs {
            write_str(w, &o.name)?;
            write_str(w, &o.path)?;
            write_str(w, &o.hash_algo)?;
            write_str(w, &o.hash)?;
        }
        write_strings(w, &self.input_srcs)?;
        write_str(w, &self.platform)?;
        write_str(w, &self.builder)?;
        write_strings(w, &self.args)?;
        write_u64(w, self.env.len() as u64)?;
        for (k, v) in &self.env {
            write_str(w, k)?;
            write_str(w, v)?;
        }
        Ok(())
    }

    /// Read a derivation.
    pub fn read(r: &mut impl Read) -> Result<BasicDerivation> {
        let n = read_len(r)?;
        let mut outputs = Vec::new();
        for _ in 0..n {
            outputs.push(WireOutput {
                name: read_string(r)?,
                path: read_string(r)?,
                hash_algo: read_string(r)?,
                hash: read_string(r)?,
            });
        }
        let input_srcs = read_strings(r)?;
        let platform = read_string(r)?;
        let builder = read_string(r)?;
        let args = read_strings(r)?;
        let n = read_len(r)?;
        let mut env = Vec::new();
        for _ in 0..n {
            env.push((read_string(r)?, read_string(r)?));
        }
        Ok(BasicDerivation {
            outputs,
            input_srcs,
            platform,
            builder,
            args,
            env,
        })
    }
}

/// Build statuses, with Nix's numbers.
pub mod build_status {
    /// Built.
    pub const BUILT: u64 = 0;
    /// Substituted.
    pub const SUBSTITUTED: u64 = 1;
    /// Already valid.
    pub const ALREADY_VALID: u64 = 2;
    /// The builder failed.
    pub const PERMANENT_FAILURE: u64 = 3;
    /// An input could not be built.
    pub const INPUT_REJECTED: u64 = 4;
    /// The output was rejected.
    pub const OUTPUT_REJECTED: u64 = 5;
    /// A failure that may pass.
    pub const TRANSIENT_FAILURE: u64 = 6;
    /// Timed out.
    pub const TIMED_OUT: u64 = 8;
    /// Anything else.
    pub const MISC_FAILURE: u64 = 9;
    /// An input failed.
    pub const DEPENDENCY_FAILED: u64 = 10;

    /// Whether `status` is a success.
    pub fn is_success(status: u64) -> bool {
        status == BUILT || status == SUBSTITUTED || status == ALREADY_VALID
    }
}

/// The answer to [`Command::BuildDerivation`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildResult {
    /// See [`build_status`].
    pub status: u64,
    /// Why it failed, or empty.
    pub error_msg: String,
    /// Rounds run; minor 3 and up.
    pub times_built: u64,
    /// Whether rounds differed; minor 3 and up.
    pub is_non_deterministic: bool,
    /// Start, seconds since the epoch; minor 3 and up.
    pub start_time: u64,
    /// Stop, seconds since the epoch; minor 3 and up.
    pub stop_time: u64,
    /// Realisations of content-addressed outputs (id, JSON); minor 6 and up.
    pub built_outputs: Vec<(String, String)>,
}

impl BuildResult {
    /// Write for a peer of protocol `version`.
    pub fn write(&self, w: &mut impl Write, version: u64) -> io::Result<()> {
        write_u64(w, self.status)?;
        write_str(w, &self.error_msg)?;
        if minor(version) >= 3 {
            write_u64(w, self.times_built)?;
            write_bool(w, self.is_non_deterministic)?;
            write_u64(w, self.start_time)?;
            write_u64(w, self.stop_time)?;
        }
        if minor(version) >= 6 {
            write_u64(w, self.built_outputs.len() as u64)?;
            for (id, json) in &self.built_outputs {
                write_str(w, id)?;
                write_str(w, json)?;
            }
        }
        Ok(())
    }

    /// Read from a peer of protocol `version`.
    pub fn read(r: &mut impl Read, version: u64) -> Result<BuildResult> {
        let mut res = BuildResult {
            status: read_u64(r)?,
            error_msg: read_string(r)?,
            ..Default::default()
        };
        if minor(version) >= 3 {
            res.times_built = read_u64(r)?;
            res.is_non_deterministic = read_u64(r)? != 0;
            res.start_time = read_u64(r)?;
            res.stop_time = read_u64(r)?;
        }
        if minor(version) >= 6 {
            let n = read_len(r)?;
            for _ in 0..n {
                res.built_outputs.push((read_string(r)?, read_string(r)?));
            }
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_padded_to_eight_bytes() {
        let mut out = Vec::new();
        write_str(&mut out, "abc").unwrap();
        assert_eq!(out, b"\x03\0\0\0\0\0\0\0abc\0\0\0\0\0");
        let mut r = &out[..];
        assert_eq!(read_string(&mut r).unwrap(), "abc");
        assert!(r.is_empty());
        let mut out = Vec::new();
        write_str(&mut out, "12345678").unwrap();
        assert_eq!(out.len(), 16);
    }

    #[test]
    fn bad_padding_and_lengths_are_errors() {
        let bad = b"\x01\0\0\0\0\0\0\0a\0\0\0\0\0\0\x01";
        assert!(matches!(
            read_string(&mut &bad[..]),
            Err(WireError::BadPadding)
        ));
        let huge = u64::MAX.to_le_bytes();
        assert!(matches!(
            read_string(&mut &huge[..]),
            Err(WireError::TooLong { .. })
        ));
        let short = b"\x09\0\0\0\0\0\0\0abc";
        assert!(matches!(
            read_string(&mut &short[..]),
            Err(WireError::Io(_))
        ));
        assert!(matches!(
            read_bool(&mut &2u64.to_le_bytes()[..]),
            Err(WireError::BadNumber { .. })
        ));
    }

    #[test]
    fn eof_between_commands_is_not_an_error() {
        assert!(read_u64_or_eof(&mut &b""[..]).unwrap().is_none());
        assert!(read_u64_or_eof(&mut &b"\x01\0"[..]).is_err());
    }

    #[test]
    fn handshake_round_trip() {
        let mut c2s = Vec::new();
        write_client_hello(&mut c2s).unwrap();
        let mut s2c = Vec::new();
        let v = server_hello(&mut &c2s[..], &mut s2c).unwrap();
        assert_eq!(v, PROTOCOL_VERSION);
        assert_eq!(read_server_hello(&mut &s2c[..]).unwrap(), PROTOCOL_VERSION);
        assert!(matches!(
            read_server_hello(&mut &b"hello, world, this is a login banner"[..]),
            Err(WireError::BadMagic { .. })
        ));
    }

    #[test]
    fn messages_round_trip_at_every_version() {
        for version in [0x202, 0x204, 0x206, 0x207] {
            let info = PathInfo {
                path: "/nix/store/aaa-x".into(),
                deriver: String::new(),
                references: vec!["/nix/store/bbb-y".into()],
                download_size: 10,
                nar_size: 10,
                nar_hash: if minor(version) >= 4 {
                    "sha256:xyz".into()
                } else {
                    String::new()
                },
                ca: String::new(),
                sigs: if minor(version) >= 4 {
                    vec!["k:s".into()]
                } else {
                    vec![]
                },
            };
            let mut out = Vec::new();
            info.write(&mut out, version).unwrap();
            write_str(&mut out, "").unwrap();
            let mut r = &out[..];
            assert_eq!(PathInfo::read(&mut r, version).unwrap(), Some(info));
            assert_eq!(PathInfo::read(&mut r, version).unwrap(), None);

            let settings = BuildSettings {
                max_silent_time: 1,
                build_timeout: 2,
                max_log_size: if minor(version) >= 2 { 3 } else { 0 },
                build_repeat: if minor(version) >= 3 { 4 } else { 0 },
                enforce_determinism: minor(version) >= 3,
                keep_failed: minor(version) >= 7,
            };
            let mut out = Vec::new();
            settings.write(&mut out, version).unwrap();
            assert_eq!(
                BuildSettings::read(&mut &out[..], version).unwrap(),
                settings
            );

            let result = BuildResult {
                status: build_status::PERMANENT_FAILURE,
                error_msg: "builder failed".into(),
                times_built: u64::from(minor(version) >= 3),
                built_outputs: if minor(version) >= 6 {
                    vec![("sha256:abc!out".into(), "{}".into())]
                } else {
                    vec![]
                },
                ..Default::default()
            };
            let mut out = Vec::new();
            result.write(&mut out, version).unwrap();
            assert_eq!(BuildResult::read(&mut &out[..], version).unwrap(), result);
        }
        let drv = BasicDerivation {
            outputs: vec![WireOutput {
                name: "out".into(),
                path: "/nix/store/aaa-x".into(),
                ..Default::default()
            }],
            input_srcs: vec!["/nix/store/bbb-y".into()],
            platform: "riscv64-linux".into(),
            builder: "/bin/sh".into(),
            args: vec!["-c".into(), "echo".into()],
            env: vec![("out".into(), "/nix/store/aaa-x".into())],
        };
        let mut out = Vec::new();
        drv.write(&mut out).unwrap();
        assert_eq!(BasicDerivation::read(&mut &out[..]).unwrap(), drv);
        let add = AddToStoreNar {
            path: "/nix/store/aaa-x".into(),
            nar_hash: "00ff".into(),
            references: vec![],
            nar_size: 112,
            ultimate: true,
            ..Default::default()
        };
        let mut out = Vec::new();
        add.write(&mut out).unwrap();
        assert_eq!(AddToStoreNar::read(&mut &out[..]).unwrap(), add);
    }
}
