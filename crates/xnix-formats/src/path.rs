//! Store directories, store paths, and the computations that give every
//! kind of store object its path.
//!
//! A store path is `<storedir>/<hash>-<name>` where `<hash>` is 32 Nix-base32
//! characters (160 bits). The hash is the SHA-256 of a *fingerprint*
//! `"<type>:sha256:<inner hash, base16>:<storedir>:<name>"`, folded to 20
//! bytes with [`compress_hash`]. The `<type>` says what kind of object it is:
//!
//! | object | type | inner hash |
//! | --- | --- | --- |
//! | `builtins.toFile`, `.drv` files | `text[:<ref>...]` | sha256 of the contents |
//! | `./file` in an expression, `nix-store --add` | `source[:<ref>...][:self]` | sha256 of the NAR |
//! | other fixed-output objects | `output:out` | sha256 of `fixed:out:[r:]<algo>:<base16>:` |
//! | derivation outputs | `output:<output name>` | `hashDerivationModulo` |

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;

use crate::hash::{compress_hash, to_nix_base32, Hash, HashAlgo, NIX_BASE32_ALPHABET};

/// Longest allowed store path name, in bytes.
pub const MAX_NAME_LEN: usize = 211;
/// Length of the hash part of a store path.
pub const HASH_PART_LEN: usize = 32;

/// An error about a store path or a store directory.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorePathError {
    /// The name part is empty.
    #[error("store path '{0}' has an empty name")]
    EmptyName(String),
    /// The name part is too long.
    #[error("store path '{0}' has a name longer than {MAX_NAME_LEN} characters")]
    NameTooLong(String),
    /// The name contains a character Nix does not allow.
    #[error("store path '{path}' contains illegal character '{ch}' (allowed: letters, digits and + - . _ ? =)")]
    IllegalChar {
        /// The path or name in question.
        path: String,
        /// The offending character.
        ch: char,
    },
    /// The base name is not `<32 base32 chars>-<name>`.
    #[error(
        "path '{0}' is not a valid store path base name: expected '<32-character hash>-<name>'"
    )]
    BadBaseName(String),
    /// The path does not lie in the store directory.
    #[error("path '{path}' is not in the Nix store '{store_dir}'")]
    NotInStore {
        /// The path.
        path: String,
        /// The store directory.
        store_dir: String,
    },
    /// The path lies in the store but below a store object (e.g. `/nix/store/x-y/bin`).
    #[error("path '{0}' is not a store path itself but a path inside one")]
    InsideStorePath(String),
    /// The store directory is not an absolute, clean path.
    #[error("store directory '{0}' must be an absolute path without trailing '/', '.', '..' or empty components")]
    BadStoreDir(String),
    /// References were given for a kind of path that cannot have them.
    #[error("fixed-output path '{0}' cannot have references unless it is recursive sha256")]
    ReferencesNotAllowed(String),
}

/// Check a store path name against Nix's rules. `context` is what to name in the error.
pub fn check_name(name: &str, context: &str) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName(context.to_string()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong(context.to_string()));
    }
    if let Some(ch) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
    {
        return Err(StorePathError::IllegalChar {
            path: context.to_string(),
            ch,
        });
    }
    Ok(())
}

/// A store path without its directory: the 32-character hash part and the name.
///
/// Ordering is by the base name string, as Nix sorts store paths.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorePath {
    base: String,
}

impl StorePath {
    /// Parse a base name `<hash>-<name>`.
    pub fn from_base_name(base: &str) -> Result<StorePath, StorePathError> {
        let bad = || StorePathError::BadBaseName(base.to_string());
        if base.len() < HASH_PART_LEN + 1 || !base.is_char_boundary(HASH_PART_LEN) {
            return Err(bad());
        }
        let (hash, rest) = base.split_at(HASH_PART_LEN);
        if !hash.bytes().all(|c| NIX_BASE32_ALPHABET.contains(&c)) || !rest.starts_with('-') {
            return Err(bad());
        }
        check_name(&rest[1..], base)?;
        Ok(StorePath {
            base: base.to_string(),
        })
    }

    /// Build from a 20-byte digest and a name.
    pub fn from_hash_and_name(hash20: &[u8], name: &str) -> Result<StorePath, StorePathError> {
        let hash = to_nix_base32(hash20);
        let base = format!("{hash}-{name}");
        check_name(name, &base)?;
        if hash.len() != HASH_PART_LEN {
            return Err(StorePathError::BadBaseName(base));
        }
        Ok(StorePath { base })
    }

    /// The 32-character hash part.
    pub fn hash_part(&self) -> &str {
        &self.base[..HASH_PART_LEN]
    }

    /// The name part (after the dash).
    pub fn name(&self) -> &str {
        &self.base[HASH_PART_LEN + 1..]
    }

    /// `<hash>-<name>`.
    pub fn base_name(&self) -> &str {
        &self.base
    }

    /// Whether this is a derivation (`.drv`) path.
    pub fn is_derivation(&self) -> bool {
        self.name().ends_with(".drv")
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({})", self.base)
    }
}

/// How the contents of a fixed-output object are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentAddressMethod {
    /// The hash is of the file's bytes (a single regular file).
    Flat,
    /// The hash is of the NAR serialisation (any tree). Printed as `r:`.
    Recursive,
}

/// A fixed-output hash: how it was computed, and the digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FixedOutputHash {
    /// Flat or recursive.
    pub method: ContentAddressMethod,
    /// The expected digest.
    pub hash: Hash,
}

impl FixedOutputHash {
    /// `r:sha256` / `sha1`: the form used in `.drv` outputs and the fixed-output fingerprint.
    pub fn method_algo(&self) -> String {
        match self.method {
            ContentAddressMethod::Flat => self.hash.algo().to_string(),
            ContentAddressMethod::Recursive => format!("r:{}", self.hash.algo()),
        }
    }

    /// Parse the `.drv` pair (`"r:sha256"`, base16 digest).
    pub fn from_drv_fields(
        method_algo: &str,
        hash: &str,
    ) -> Result<FixedOutputHash, crate::HashError> {
        let (method, algo) = match method_algo.strip_prefix("r:") {
            Some(a) => (ContentAddressMethod::Recursive, a),
            None => (ContentAddressMethod::Flat, method_algo),
        };
        let algo = HashAlgo::parse(algo)?;
        Ok(FixedOutputHash {
            method,
            hash: Hash::parse_bare(hash, algo)?,
        })
    }

    /// The content-address string as Nix stores it in its registry and in narinfo:
    /// `fixed:r:sha256:<base32>` or `fixed:sha1:<base32>`.
    pub fn to_ca_string(&self) -> String {
        format!("fixed:{}:{}", self.method_algo(), self.hash.to_base32())
    }
}

/// The name of a derivation output's store path: `name` for `out`,
/// `name-<output>` otherwise.
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_string()
    } else {
        format!("{drv_name}-{output}")
    }
}

/// A logical store directory such as `/nix/store` or `/xnix/store`. It takes
/// part in every path hash, so the same object has different paths in
/// different store directories.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreDir {
    dir: String,
}

/// A store path with the store directory it lives in: what crosses crate
/// boundaries in errors, so a caller can match on the path without parsing
/// text, while `Display` shows the full path. One pointer wide, so errors
/// that carry several stay small.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FullStorePath(Box<(StoreDir, StorePath)>);

impl FullStorePath {
    /// `path` in `dir`.
    pub fn new(dir: StoreDir, path: StorePath) -> FullStorePath {
        FullStorePath(Box::new((dir, path)))
    }

    /// The store directory.
    pub fn dir(&self) -> &StoreDir {
        &self.0 .0
    }

    /// The store path.
    pub fn path(&self) -> &StorePath {
        &self.0 .1
    }
}

impl std::fmt::Display for FullStorePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.dir().dir, self.path().base)
    }
}

impl Default for StoreDir {
    /// `/xnix/store`, xnix's own default.
    fn default() -> Self {
        StoreDir {
            dir: "/xnix/store".to_string(),
        }
    }
}

impl fmt::Display for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir)
    }
}

impl StoreDir {
    /// A store directory; it must be absolute and clean (`/nix/store`, not `/nix/store/`).
    pub fn new(dir: impl Into<String>) -> Result<StoreDir, StorePathError> {
        let dir = dir.into();
        let clean = dir.starts_with('/')
            && dir.len() > 1
            && !dir.ends_with('/')
            && dir[1..]
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        if !clean {
            return Err(StorePathError::BadStoreDir(dir));
        }
        Ok(StoreDir { dir })
    }

    /// Nix's default, `/nix/store`.
    pub fn nix() -> StoreDir {
        StoreDir {
            dir: "/nix/store".to_string(),
        }
    }

    /// The directory as a string.
    pub fn as_str(&self) -> &str {
        &self.dir
    }

    /// The full path of a store path: `<dir>/<hash>-<name>`.
    pub fn print(&self, path: &StorePath) -> String {
        format!("{}/{}", self.dir, path.base)
    }

    /// `path` with this directory, as errors carry it: typed, and shown in
    /// full (`/nix/store/<hash>-<name>`) when displayed.
    pub fn full(&self, path: &StorePath) -> FullStorePath {
        FullStorePath::new(self.clone(), path.clone())
    }

    /// Parse a full store path (exactly `<dir>/<hash>-<name>`, nothing below it).
    pub fn parse(&self, full: &str) -> Result<StorePath, StorePathError> {
        let (p, rest) = self.split_inner(full)?;
        if !rest.is_empty() {
            return Err(StorePathError::InsideStorePath(full.to_string()));
        }
        Ok(p)
    }

    /// Whether `full` is a path in this store directory (the store path itself
    /// or something below it).
    pub fn is_in_store(&self, full: &str) -> bool {
        full.strip_prefix(&self.dir)
            .is_some_and(|r| r.starts_with('/') && r.len() > 1)
    }

    /// Split a path at or below a store path into the store path and the rest
    /// (`""` or `/sub/path`), as Nix's `toStorePath`.
    pub fn split_inner(&self, full: &str) -> Result<(StorePath, String), StorePathError> {
        let not_in = || StorePathError::NotInStore {
            path: full.to_string(),
            store_dir: self.dir.clone(),
        };
        let rest = full
            .strip_prefix(&self.dir)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(not_in)?;
        let (base, sub) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        Ok((StorePath::from_base_name(base)?, sub.to_string()))
    }

    /// Nix's `makeStorePath`: the path whose hash part is the folded SHA-256 of
    /// `"<ty>:<algo>:<inner base16>:<dir>:<name>"`.
    pub fn make_store_path(
        &self,
        ty: &str,
        inner: &Hash,
        name: &str,
    ) -> Result<StorePath, StorePathError> {
        let fingerprint = format!(
            "{}:{}:{}:{}:{}",
            ty,
            inner.algo(),
            inner.to_base16(),
            self.dir,
            name
        );
        let h = Hash::digest(HashAlgo::Sha256, fingerprint.as_bytes());
        StorePath::from_hash_and_name(&compress_hash(h.as_bytes(), 20), name)
    }

    /// The `<type>` of a path with references: `ty:<ref1>:<ref2>...[:self]`, the
    /// references printed in full and sorted.
    pub fn make_type(
        &self,
        ty: &str,
        references: &BTreeSet<StorePath>,
        self_reference: bool,
    ) -> String {
        let mut s = ty.to_string();
        for r in references {
            s.push(':');
            s.push_str(&self.print(r));
        }
        if self_reference {
            s.push_str(":self");
        }
        s
    }

    /// The path of a text object (`builtins.toFile`, `.drv` files) whose
    /// contents have SHA-256 `content_hash`.
    pub fn make_text_path(
        &self,
        name: &str,
        content_hash: &Hash,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StorePathError> {
        self.make_store_path(
            &self.make_type("text", references, false),
            content_hash,
            name,
        )
    }

    /// The path of a text object with the given contents.
    pub fn text_path(
        &self,
        name: &str,
        contents: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StorePathError> {
        self.make_text_path(name, &Hash::digest(HashAlgo::Sha256, contents), references)
    }

    /// The path of a source object (`./file` in an expression, `nix-store --add`):
    /// recursive SHA-256 of its NAR, with references.
    pub fn make_source_path(
        &self,
        name: &str,
        nar_sha256: &Hash,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StorePathError> {
        self.make_store_path(
            &self.make_type("source", references, false),
            nar_sha256,
            name,
        )
    }

    /// Nix's `makeFixedOutputPath`. Recursive SHA-256 is a source path (and may
    /// have references); everything else is `output:out` over
    /// `fixed:out:[r:]<algo>:<base16>:` and must have none.
    pub fn make_fixed_output_path(
        &self,
        name: &str,
        fixed: &FixedOutputHash,
        references: &BTreeSet<StorePath>,
        self_reference: bool,
    ) -> Result<StorePath, StorePathError> {
        if fixed.method == ContentAddressMethod::Recursive && fixed.hash.algo() == HashAlgo::Sha256
        {
            return self.make_store_path(
                &self.make_type("source", references, self_reference),
                &fixed.hash,
                name,
            );
        }
        if !references.is_empty() || self_reference {
            return Err(StorePathError::ReferencesNotAllowed(name.to_string()));
        }
        let inner = format!(
            "fixed:out:{}{}:{}:",
            if fixed.method == ContentAddressMethod::Recursive {
                "r:"
            } else {
                ""
            },
            fixed.hash.algo(),
            fixed.hash.to_base16()
        );
        self.make_store_path(
            "output:out",
            &Hash::digest(HashAlgo::Sha256, inner.as_bytes()),
            name,
        )
    }

    /// The path of output `output` of an input-addressed derivation named
    /// `drv_name` whose `hashDerivationModulo` is `drv_hash`.
    pub fn make_output_path(
        &self,
        output: &str,
        drv_hash: &Hash,
        drv_name: &str,
    ) -> Result<StorePath, StorePathError> {
        self.make_store_path(
            &format!("output:{output}"),
            drv_hash,
            &output_path_name(drv_name, output),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_store_paths_show_in_full_and_keep_the_path() {
        let dir = StoreDir::new("/nix/store").unwrap();
        let p = StorePath::from_base_name("00000000000000000000000000000000-x.drv").unwrap();
        let full = dir.full(&p);
        assert_eq!(full.to_string(), dir.print(&p));
        assert_eq!((full.path(), full.dir()), (&p, &dir));
        assert_eq!(
            std::mem::size_of::<FullStorePath>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn parse_and_print() {
        let sd = StoreDir::nix();
        let p = sd
            .parse("/nix/store/r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo.drv")
            .unwrap();
        assert_eq!(p.name(), "foo.drv");
        assert!(p.is_derivation());
        assert_eq!(
            sd.print(&p),
            "/nix/store/r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo.drv"
        );
        assert!(matches!(
            sd.parse("/nix/store/r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo.drv/x"),
            Err(StorePathError::InsideStorePath(_))
        ));
        assert!(matches!(
            sd.parse("/tmp/x"),
            Err(StorePathError::NotInStore { .. })
        ));
        assert!(matches!(
            StorePath::from_base_name("r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-a b"),
            Err(StorePathError::IllegalChar { ch: ' ', .. })
        ));
        assert!(matches!(
            StorePath::from_base_name("r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-"),
            Err(StorePathError::EmptyName(_))
        ));
        assert!(StoreDir::new("/nix/store/").is_err());
        assert!(StoreDir::new("relative").is_err());
    }
}
