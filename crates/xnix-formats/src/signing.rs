//! Ed25519 signatures over store paths, in Nix's formats.
//!
//! - A secret key file holds `NAME:BASE64` of 64 bytes (the 32-byte seed
//!   followed by the 32-byte public key, libsodium's layout), as written by
//!   `nix-store --generate-binary-cache-key NAME SECRET PUBLIC`.
//! - A public key is `NAME:BASE64` of the 32-byte public key.
//! - A signature (a narinfo `Sig:` line, a registry `sigs` entry) is
//!   `NAME:BASE64` of the 64-byte Ed25519 signature.
//! - What is signed is the path's fingerprint ([`fingerprint`]):
//!   `1;STOREPATH;NARHASH;NARSIZE;REF1,REF2,...` with the NAR hash as
//!   `sha256:` plus Nix base32 and the references as full store paths, sorted.
//!
//! A signature is checked against the key of the same name: a name matches
//! at most one trusted key, so an untrusted key with a trusted key's name
//! still fails verification.

use std::collections::BTreeSet;

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use thiserror::Error;

use crate::hash::{Hash, HashAlgo, HashEncoding};
use crate::path::{StoreDir, StorePath};

/// An error in a key or a signature.
#[derive(Debug, Error)]
pub enum SigningError {
    /// The text is not `NAME:BASE64` with the right number of bytes.
    #[error("{what} is malformed: {message} (expected NAME:BASE64, as nix-store --generate-binary-cache-key writes)")]
    Malformed {
        /// Which kind of text ("secret key", "public key", "signature").
        what: &'static str,
        /// Why.
        message: String,
    },
    /// The machine's random source failed.
    #[error("cannot read random bytes for a new key: {0}")]
    Random(String),
}

fn split_named<'a>(
    text: &'a str,
    what: &'static str,
    len: usize,
) -> Result<(&'a str, Vec<u8>), SigningError> {
    let text = text.trim();
    let (name, b64) = text
        .split_once(':')
        .ok_or_else(|| SigningError::Malformed {
            what,
            message: "no ':' between the key name and the base64 data".into(),
        })?;
    if name.is_empty() {
        return Err(SigningError::Malformed {
            what,
            message: "empty key name".into(),
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| SigningError::Malformed {
            what,
            message: format!("bad base64: {e}"),
        })?;
    if bytes.len() != len {
        return Err(SigningError::Malformed {
            what,
            message: format!("{} bytes, expected {len}", bytes.len()),
        });
    }
    Ok((name, bytes))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A named Ed25519 secret key.
#[derive(Clone)]
pub struct SecretKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "SecretKey({})", self.name)
    }
}

impl SecretKey {
    /// A fresh key named `name` (e.g. `cache.example.org-1`), seeded from
    /// the kernel's random source.
    pub fn generate(name: &str) -> Result<SecretKey, SigningError> {
        if name.is_empty() || name.contains(':') {
            return Err(SigningError::Malformed {
                what: "key name",
                message: format!("'{name}' must be non-empty and contain no ':'"),
            });
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| SigningError::Random(e.to_string()))?;
        Ok(SecretKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Parse `NAME:BASE64(seed ++ public key)`.
    pub fn parse(text: &str) -> Result<SecretKey, SigningError> {
        let (name, bytes) = split_named(text, "secret key", 64)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes[..32]);
        let key = SigningKey::from_bytes(&seed);
        if key.verifying_key().as_bytes() != &bytes[32..] {
            return Err(SigningError::Malformed {
                what: "secret key",
                message: "its public half does not belong to its seed".into(),
            });
        }
        Ok(SecretKey {
            name: name.to_string(),
            key,
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `NAME:BASE64(seed ++ public key)`, the secret key file's contents.
    pub fn to_text(&self) -> String {
        let mut bytes = self.key.to_bytes().to_vec();
        bytes.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}:{}", self.name, b64(&bytes))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Sign `message`; returns `NAME:BASE64(signature)`.
    pub fn sign(&self, message: &str) -> String {
        let sig = self.key.sign(message.as_bytes());
        format!("{}:{}", self.name, b64(&sig.to_bytes()))
    }
}

/// A named Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// Parse `NAME:BASE64(public key)`.
    pub fn parse(text: &str) -> Result<PublicKey, SigningError> {
        let (name, bytes) = split_named(text, "public key", 32)?;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes);
        let key = VerifyingKey::from_bytes(&raw).map_err(|e| SigningError::Malformed {
            what: "public key",
            message: e.to_string(),
        })?;
        Ok(PublicKey {
            name: name.to_string(),
            key,
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `NAME:BASE64(public key)`.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.name, b64(self.key.as_bytes()))
    }

    /// Whether `sig` (`NAME:BASE64`) is this key's signature of `message`.
    /// A signature under another name, or malformed, is not.
    pub fn verify(&self, message: &str, sig: &str) -> bool {
        let Ok((name, bytes)) = split_named(sig, "signature", 64) else {
            return false;
        };
        if name != self.name {
            return false;
        }
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        self.key.verify(message.as_bytes(), &sig).is_ok()
    }
}

/// Whether any of `sigs` is a valid signature of `message` by any of `keys`.
pub fn verify_any(keys: &[PublicKey], message: &str, sigs: &[String]) -> bool {
    sigs.iter()
        .any(|s| keys.iter().any(|k| k.verify(message, s)))
}

/// The message a binary-cache signature signs:
/// `1;STOREPATH;sha256:BASE32;NARSIZE;REF,REF,...` (references as full
/// paths, sorted as printed).
pub fn fingerprint(
    store_dir: &StoreDir,
    path: &StorePath,
    nar_hash: &Hash,
    nar_size: u64,
    references: &BTreeSet<StorePath>,
) -> String {
    let mut refs: Vec<String> = references.iter().map(|r| store_dir.print(r)).collect();
    refs.sort();
    format!(
        "1;{};{};{};{}",
        store_dir.print(path),
        nar_hash.encode(HashEncoding::Base32, true),
        nar_size,
        refs.join(",")
    )
}

/// Whether `nar_hash` can appear in a fingerprint (Nix signs SHA-256 only).
pub fn fingerprintable(nar_hash: &Hash) -> bool {
    nar_hash.algo() == HashAlgo::Sha256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_roundtrip_and_signature() {
        let sk = SecretKey::generate("test-1").unwrap();
        let again = SecretKey::parse(&sk.to_text()).unwrap();
        assert_eq!(again.to_text(), sk.to_text());
        let pk = PublicKey::parse(&sk.public_key().to_text()).unwrap();
        let sig = sk.sign("hello");
        assert!(sig.starts_with("test-1:"));
        assert!(pk.verify("hello", &sig));
        assert!(!pk.verify("hellp", &sig));
        // Same bytes under another name are not this key's signature.
        assert!(!pk.verify("hello", &sig.replacen("test-1", "test-2", 1)));
        let other = SecretKey::generate("test-1").unwrap();
        assert!(!other.public_key().verify("hello", &sig));
    }

    #[test]
    fn malformed_keys() {
        assert!(SecretKey::parse("nocolon").is_err());
        assert!(PublicKey::parse("k:AAAA").is_err());
        assert!(SecretKey::generate("a:b").is_err());
        let sk = SecretKey::generate("k").unwrap();
        // A secret key whose public half was altered.
        let mut text = sk.to_text();
        let n = text.len();
        text.replace_range(
            n - 3..n - 2,
            if &text[n - 3..n - 2] == "A" { "B" } else { "A" },
        );
        assert!(SecretKey::parse(&text).is_err());
    }
}
