//! Hashes as Nix uses them: the four algorithms, and the four textual
//! encodings (base16, Nix's own base32, base64 and SRI).
//!
//! Nix's base32 is not RFC 4648: it uses the alphabet
//! `0123456789abcdfghijklmnpqrsvwxyz` (no `e`, `o`, `u`, `t`) and emits the
//! digits starting from the *end* of the byte string, so it must be
//! reproduced bit for bit for store paths to match.

use std::fmt;
use std::io::{self, Read};

use base64::Engine as _;
use md5::Digest as _;
use thiserror::Error;

/// The alphabet of Nix's base32 encoding.
pub const NIX_BASE32_ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// An error while parsing a hash or an algorithm name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HashError {
    /// The algorithm name is not one Nix knows.
    #[error("unknown hash algorithm '{0}': expected one of md5, sha1, sha256, sha512")]
    UnknownAlgo(String),
    /// The hash text has no algorithm prefix and none was given.
    #[error(
        "hash '{0}' does not include a type (write it as 'sha256:...' or in SRI form 'sha256-...')"
    )]
    MissingAlgo(String),
    /// The prefix names a different algorithm than the one expected.
    #[error("hash '{hash}' should have type '{expected}'")]
    AlgoMismatch {
        /// The hash text.
        hash: String,
        /// The algorithm the caller asked for.
        expected: HashAlgo,
    },
    /// The encoded text has a length that fits no encoding of this algorithm.
    #[error("hash '{hash}' has wrong length for hash type '{algo}' (expected {b16} base16, {b32} base32 or {b64} base64 characters)")]
    WrongLength {
        /// The hash text.
        hash: String,
        /// The algorithm.
        algo: HashAlgo,
        /// Length of the base16 form.
        b16: usize,
        /// Length of the base32 form.
        b32: usize,
        /// Length of the base64 form.
        b64: usize,
    },
    /// A character is not part of the encoding's alphabet.
    #[error("invalid {encoding} character '{ch}' in hash '{hash}'")]
    InvalidChar {
        /// The hash text.
        hash: String,
        /// The name of the encoding.
        encoding: &'static str,
        /// The offending character.
        ch: char,
    },
    /// Base32 text encodes more bits than the hash has.
    #[error("invalid base-32 hash '{0}': it encodes more bits than the hash holds")]
    Base32Overflow(String),
    /// Base64 text does not decode, or decodes to the wrong size.
    #[error("invalid base-64 hash '{0}' for this hash type")]
    InvalidBase64(String),
}

/// A hash algorithm supported by Nix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    /// MD5 (16 bytes).
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes), the one store paths are made of.
    Sha256,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl HashAlgo {
    /// All algorithms, in Nix's order.
    pub const ALL: [HashAlgo; 4] = [
        HashAlgo::Md5,
        HashAlgo::Sha1,
        HashAlgo::Sha256,
        HashAlgo::Sha512,
    ];

    /// Parse an algorithm name (`md5`, `sha1`, `sha256`, `sha512`).
    pub fn parse(name: &str) -> Result<HashAlgo, HashError> {
        match name {
            "md5" => Ok(HashAlgo::Md5),
            "sha1" => Ok(HashAlgo::Sha1),
            "sha256" => Ok(HashAlgo::Sha256),
            "sha512" => Ok(HashAlgo::Sha512),
            _ => Err(HashError::UnknownAlgo(name.to_string())),
        }
    }

    /// The algorithm's name as Nix prints it.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// The digest size in bytes.
    pub fn size(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// Length of the base16 encoding of a digest.
    pub fn base16_len(self) -> usize {
        self.size() * 2
    }

    /// Length of the Nix base32 encoding of a digest.
    pub fn base32_len(self) -> usize {
        base32_len(self.size())
    }

    /// Length of the (padded) base64 encoding of a digest.
    pub fn base64_len(self) -> usize {
        self.size().div_ceil(3) * 4
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for HashAlgo {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgo::parse(s)
    }
}

/// A textual encoding of a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashEncoding {
    /// Lower-case hexadecimal.
    Base16,
    /// Nix's base32.
    Base32,
    /// Standard padded base64.
    Base64,
    /// Subresource-integrity form `algo-base64`.
    Sri,
}

/// A digest together with the algorithm that produced it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    algo: HashAlgo,
    bytes: Vec<u8>,
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_sri())
    }
}

impl fmt::Display for Hash {
    /// Prints `algo:base32`, the form Nix uses in most messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algo, self.to_base32())
    }
}

impl Hash {
    /// Build a hash from raw digest bytes; `None` if the size does not fit the algorithm.
    pub fn from_bytes(algo: HashAlgo, bytes: &[u8]) -> Option<Hash> {
        (bytes.len() == algo.size()).then(|| Hash {
            algo,
            bytes: bytes.to_vec(),
        })
    }

    /// Hash a byte string.
    pub fn digest(algo: HashAlgo, data: impl AsRef<[u8]>) -> Hash {
        let mut h = Hasher::new(algo);
        h.update(data.as_ref());
        h.finish()
    }

    /// Hash everything a reader yields, in large chunks.
    pub fn digest_reader(algo: HashAlgo, mut reader: impl Read) -> io::Result<Hash> {
        let mut h = Hasher::new(algo);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            h.update(&buf[..n]);
        }
        Ok(h.finish())
    }

    /// The algorithm.
    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lower-case hexadecimal digest, without algorithm prefix.
    pub fn to_base16(&self) -> String {
        to_base16(&self.bytes)
    }

    /// Nix base32 digest, without algorithm prefix.
    pub fn to_base32(&self) -> String {
        to_nix_base32(&self.bytes)
    }

    /// Padded base64 digest, without algorithm prefix.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }

    /// SRI form, `sha256-<base64>`.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo, self.to_base64())
    }

    /// Encode in the given encoding; `with_algo` prefixes `algo:` (ignored for SRI,
    /// which always carries the algorithm).
    pub fn encode(&self, encoding: HashEncoding, with_algo: bool) -> String {
        let body = match encoding {
            HashEncoding::Base16 => self.to_base16(),
            HashEncoding::Base32 => self.to_base32(),
            HashEncoding::Base64 => self.to_base64(),
            HashEncoding::Sri => return self.to_sri(),
        };
        if with_algo {
            format!("{}:{}", self.algo, body)
        } else {
            body
        }
    }

    /// Parse a hash of a known algorithm whose text carries no prefix. The length
    /// decides the encoding: base16, Nix base32 or base64.
    pub fn parse_bare(text: &str, algo: HashAlgo) -> Result<Hash, HashError> {
        Self::decode_body(text, text, algo, false)
    }

    /// Parse a hash in any form Nix accepts: `algo:<base16|base32|base64>`,
    /// SRI `algo-<base64>`, or (when `algo` is given) a bare digest. When both a
    /// prefix and `algo` are present they must agree.
    pub fn parse(text: &str, algo: Option<HashAlgo>) -> Result<Hash, HashError> {
        let (found, rest, sri) = if let Some((name, rest)) = text.split_once(':') {
            (Some(HashAlgo::parse(name)?), rest, false)
        } else if let Some((name, rest)) = text.split_once('-') {
            (Some(HashAlgo::parse(name)?), rest, true)
        } else {
            (None, text, false)
        };
        let algo = match (found, algo) {
            (Some(f), Some(e)) if f != e => {
                return Err(HashError::AlgoMismatch {
                    hash: text.to_string(),
                    expected: e,
                })
            }
            (Some(f), _) => f,
            (None, Some(e)) => e,
            (None, None) => return Err(HashError::MissingAlgo(text.to_string())),
        };
        Self::decode_body(text, rest, algo, sri)
    }

    /// Parse an SRI hash (`sha256-...`) only.
    pub fn parse_sri(text: &str) -> Result<Hash, HashError> {
        let (name, rest) = text
            .split_once('-')
            .ok_or_else(|| HashError::MissingAlgo(text.to_string()))?;
        let algo = HashAlgo::parse(name)?;
        Self::decode_body(text, rest, algo, true)
    }

    fn decode_body(whole: &str, rest: &str, algo: HashAlgo, sri: bool) -> Result<Hash, HashError> {
        let bytes = if !sri && rest.len() == algo.base16_len() {
            from_base16(rest).map_err(|ch| HashError::InvalidChar {
                hash: whole.to_string(),
                encoding: "base-16",
                ch,
            })?
        } else if !sri && rest.len() == algo.base32_len() {
            from_nix_base32(rest, algo.size()).map_err(|e| match e {
                Some(ch) => HashError::InvalidChar {
                    hash: whole.to_string(),
                    encoding: "base-32",
                    ch,
                },
                None => HashError::Base32Overflow(whole.to_string()),
            })?
        } else if sri || rest.len() == algo.base64_len() {
            let b = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| HashError::InvalidBase64(whole.to_string()))?;
            if b.len() != algo.size() {
                return Err(HashError::InvalidBase64(whole.to_string()));
            }
            b
        } else {
            return Err(HashError::WrongLength {
                hash: whole.to_string(),
                algo,
                b16: algo.base16_len(),
                b32: algo.base32_len(),
                b64: algo.base64_len(),
            });
        };
        Ok(Hash { algo, bytes })
    }
}

/// An incremental hasher for any [`HashAlgo`].
#[derive(Clone)]
pub enum Hasher {
    /// MD5 state.
    Md5(md5::Md5),
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(algo: HashAlgo) -> Hasher {
        match algo {
            HashAlgo::Md5 => Hasher::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// Finish and return the digest.
    pub fn finish(self) -> Hash {
        let (algo, bytes) = match self {
            Hasher::Md5(h) => (HashAlgo::Md5, h.finalize().to_vec()),
            Hasher::Sha1(h) => (HashAlgo::Sha1, h.finalize().to_vec()),
            Hasher::Sha256(h) => (HashAlgo::Sha256, h.finalize().to_vec()),
            Hasher::Sha512(h) => (HashAlgo::Sha512, h.finalize().to_vec()),
        };
        Hash { algo, bytes }
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that hashes and counts what passes through it (used for NAR hashes and sizes).
pub struct HashingWriter {
    hasher: Hasher,
    count: u64,
}

impl HashingWriter {
    /// A fresh hashing writer.
    pub fn new(algo: HashAlgo) -> Self {
        HashingWriter {
            hasher: Hasher::new(algo),
            count: 0,
        }
    }
    /// The digest and the number of bytes written.
    pub fn finish(self) -> (Hash, u64) {
        (self.hasher.finish(), self.count)
    }
}

impl io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.count += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Lower-case hexadecimal.
pub fn to_base16(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Decode hexadecimal (either case); the error is the first bad character.
pub fn from_base16(text: &str) -> Result<Vec<u8>, char> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return Err(text.chars().last().unwrap_or('?'));
    }
    let mut out = Vec::with_capacity(t.len() / 2);
    for pair in t.chunks(2) {
        let hi = digit(pair[0]).ok_or(pair[0] as char)?;
        let lo = digit(pair[1]).ok_or(pair[1] as char)?;
        out.push(hi << 4 | lo);
    }
    Ok(out)
}

/// Length of the Nix base32 encoding of `size` bytes.
pub fn base32_len(size: usize) -> usize {
    if size == 0 {
        0
    } else {
        (size * 8 - 1) / 5 + 1
    }
}

/// Encode bytes in Nix's base32 (its alphabet, last digit first).
pub fn to_nix_base32(bytes: &[u8]) -> String {
    let len = base32_len(bytes.len());
    let mut s = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = (bytes[i] as u16) >> j;
        let hi = if i + 1 < bytes.len() {
            (bytes[i + 1] as u16) << (8 - j)
        } else {
            0
        };
        s.push(NIX_BASE32_ALPHABET[((lo | hi) & 0x1f) as usize] as char);
    }
    s
}

/// Decode Nix base32 into exactly `size` bytes. The error is `Some(ch)` for a
/// character outside the alphabet, `None` when the text encodes too many bits.
pub fn from_nix_base32(text: &str, size: usize) -> Result<Vec<u8>, Option<char>> {
    let mut out = vec![0u8; size];
    let t = text.as_bytes();
    for (idx, &c) in t.iter().enumerate() {
        let digit = NIX_BASE32_ALPHABET
            .iter()
            .position(|&a| a == c)
            .ok_or(Some(c as char))? as u16;
        let n = t.len() - 1 - idx;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        if i >= size {
            if digit != 0 {
                return Err(None);
            }
            continue;
        }
        out[i] |= (digit << j) as u8;
        let carry = digit >> (8 - j);
        if i + 1 < size {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return Err(None);
        }
    }
    Ok(out)
}

/// Fold a digest to `new_size` bytes by XOR-ing byte `i` into position `i % new_size`
/// (Nix uses 20 bytes for store path hashes).
pub fn compress_hash(bytes: &[u8], new_size: usize) -> Vec<u8> {
    let mut out = vec![0u8; new_size];
    if new_size == 0 {
        return out;
    }
    for (i, b) in bytes.iter().enumerate() {
        out[i % new_size] ^= b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_empty_sha256() {
        let h = Hash::digest(HashAlgo::Sha256, b"");
        assert_eq!(
            h.to_base16(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let again = Hash::parse(&h.encode(HashEncoding::Base32, true), None).unwrap();
        assert_eq!(again, h);
        let sri = Hash::parse(&h.to_sri(), None).unwrap();
        assert_eq!(sri, h);
        let b64 = Hash::parse_bare(&h.to_base64(), HashAlgo::Sha256).unwrap();
        assert_eq!(b64, h);
    }

    #[test]
    fn base32_roundtrip_all_sizes() {
        for algo in HashAlgo::ALL {
            let h = Hash::digest(algo, b"xnix");
            let t = h.to_base32();
            assert_eq!(t.len(), algo.base32_len());
            assert_eq!(from_nix_base32(&t, algo.size()).unwrap(), h.as_bytes());
        }
    }

    #[test]
    fn errors_are_clear() {
        assert!(matches!(
            Hash::parse("sha256:abc", None),
            Err(HashError::WrongLength { .. })
        ));
        assert!(matches!(
            Hash::parse("foo:abc", None),
            Err(HashError::UnknownAlgo(_))
        ));
        assert!(matches!(
            Hash::parse("abc", None),
            Err(HashError::MissingAlgo(_))
        ));
        let bad = "e".repeat(52);
        assert!(matches!(
            Hash::parse_bare(&bad, HashAlgo::Sha256),
            Err(HashError::InvalidChar { .. })
        ));
        // 52 base32 digits carry 260 bits; the top ones must be zero.
        let over = format!("z{}", "0".repeat(51));
        assert!(matches!(
            Hash::parse_bare(&over, HashAlgo::Sha256),
            Err(HashError::Base32Overflow(_))
        ));
    }
}
