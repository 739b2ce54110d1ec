//! The compressions Debian's archives use, chosen by file name suffix.

use std::io::{self, Read};

/// A compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// xz (`.xz`).
    Xz,
    /// Zstandard (`.zst`).
    Zstd,
    /// LZ4 frames (`.lz4`, APT's local lists).
    Lz4,
}

impl Compression {
    /// The compression a file name's suffix says, and the name without it;
    /// `None` when the suffix names a compression this crate cannot read
    /// (e.g. `.bz2`).
    pub fn from_name(name: &str) -> Option<(Compression, &str)> {
        for (suffix, c) in [
            (".gz", Compression::Gzip),
            (".xz", Compression::Xz),
            (".zst", Compression::Zstd),
            (".lz4", Compression::Lz4),
        ] {
            if let Some(stem) = name.strip_suffix(suffix) {
                return Some((c, stem));
            }
        }
        if name.ends_with(".bz2") || name.ends_with(".lzma") {
            return None;
        }
        Some((Compression::None, name))
    }

    /// A reader that decompresses `inner`.
    pub fn reader<'a>(self, inner: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(inner),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(inner)),
            Compression::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(inner)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
            Compression::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(inner)),
        })
    }
}

/// Decompresses `bytes` according to `name`'s suffix.
pub fn decompress_named(name: &str, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let (c, _) = Compression::from_name(name).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{name}: compression not supported (use .xz, .gz, .zst, .lz4 or none)"),
        )
    })?;
    let mut out = Vec::new();
    c.reader(bytes)?.read_to_end(&mut out)?;
    Ok(out)
}
