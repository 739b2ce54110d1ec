//! Small private hash helpers this crate needs before (or without) the
//! store crate's own hash API: Nix's base-32 alphabet and SHA-256 of a
//! string. Kept private so that the store crate stays the one public owner
//! of hash formats.

use sha2::{Digest, Sha256};

/// Nix's base-32 alphabet: digits and lower-case letters without e, o, u, t.
const NIX_BASE32_ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Encodes bytes in Nix's base-32 form (least significant bits last, as
/// Nix prints hashes and store path digests).
pub(crate) fn to_nix_base32(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let len = (bytes.len() * 8 - 1) / 5 + 1;
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let bit = n * 5;
        let i = bit / 8;
        let j = bit % 8;
        let low = u16::from(bytes[i]) >> j;
        let high = if i + 1 < bytes.len() {
            u16::from(bytes[i + 1]) << (8 - j)
        } else {
            0
        };
        out.push(NIX_BASE32_ALPHABET[usize::from((low | high) & 0x1f)] as char);
    }
    out
}

/// SHA-256 of `data`, printed in Nix's base-32 form.
pub(crate) fn sha256_nix_base32(data: &[u8]) -> String {
    to_nix_base32(&Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_string_sha256_matches_nix() {
        // `nix-hash --type sha256 --to-base32` of the empty string's digest.
        assert_eq!(
            sha256_nix_base32(b""),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
    }
}
