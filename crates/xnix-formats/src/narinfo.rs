//! The `.narinfo` text format of binary caches: one `Key: value` line per
//! field, describing a store path and the (possibly compressed) NAR file
//! that holds it.
//!
//! ```text
//! StorePath: /nix/store/...-hello-2.12
//! URL: nar/1w1fff...nar.xz
//! Compression: xz
//! FileHash: sha256:1w1fff...
//! FileSize: 50088
//! NarHash: sha256:0ay6...
//! NarSize: 226488
//! References: 3n58...-glibc-2.35 ...-hello-2.12
//! Deriver: ...-hello-2.12.drv
//! Sig: cache.nixos.org-1:...
//! CA: fixed:r:sha256:...
//! ```
//!
//! References and Deriver are base names (no store directory).

use std::fmt::Write as _;

use thiserror::Error;

use crate::hash::Hash;
use crate::path::{StoreDir, StorePath};

/// An error in a `.narinfo` file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NarInfoError {
    /// A line is not `Key: value`.
    #[error("narinfo line {line}: expected 'Key: value', found '{text}'")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// A field's value does not parse.
    #[error("narinfo line {line}: bad value for {key}: {message}")]
    BadValue {
        /// 1-based line number.
        line: usize,
        /// The field.
        key: String,
        /// Why.
        message: String,
    },
    /// A required field is absent.
    #[error("narinfo is missing the required field '{0}'")]
    Missing(&'static str),
}

/// A parsed `.narinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfo {
    /// The store path described.
    pub store_path: StorePath,
    /// Where the NAR file is, relative to the cache.
    pub url: String,
    /// `none`, `xz`, `bzip2`, `zstd`, ... (Nix assumes `bzip2` when absent).
    pub compression: Option<String>,
    /// Hash of the (compressed) file.
    pub file_hash: Option<Hash>,
    /// Size of the (compressed) file.
    pub file_size: Option<u64>,
    /// Hash of the uncompressed NAR.
    pub nar_hash: Hash,
    /// Size of the uncompressed NAR.
    pub nar_size: u64,
    /// References, sorted.
    pub references: Vec<StorePath>,
    /// The derivation that built the path, if known.
    pub deriver: Option<StorePath>,
    /// Signatures (`keyname:base64`).
    pub sigs: Vec<String>,
    /// Content address, e.g. `fixed:r:sha256:...`.
    pub ca: Option<String>,
}

impl NarInfo {
    /// Parse `.narinfo` text. Unknown keys are ignored, as Nix does.
    pub fn parse(store_dir: &StoreDir, text: &str) -> Result<NarInfo, NarInfoError> {
        let mut store_path = None;
        let mut url = None;
        let mut compression = None;
        let mut file_hash = None;
        let mut file_size = None;
        let mut nar_hash = None;
        let mut nar_size = None;
        let mut references = Vec::new();
        let mut deriver = None;
        let mut sigs = Vec::new();
        let mut ca = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.is_empty() {
                continue;
            }
            let (key, value) = raw.split_once(": ").ok_or_else(|| NarInfoError::BadLine {
                line,
                text: raw.to_string(),
            })?;
            let bad = |message: String| NarInfoError::BadValue {
                line,
                key: key.to_string(),
                message,
            };
            let num = |v: &str| v.parse::<u64>().map_err(|e| bad(e.to_string()));
            match key {
                "StorePath" => {
                    store_path = Some(store_dir.parse(value).map_err(|e| bad(e.to_string()))?)
                }
                "URL" => url = Some(value.to_string()),
                "Compression" => compression = Some(value.to_string()),
                "FileHash" => {
                    file_hash = Some(Hash::parse(value, None).map_err(|e| bad(e.to_string()))?)
                }
                "FileSize" => file_size = Some(num(value)?),
                "NarHash" => {
                    nar_hash = Some(Hash::parse(value, None).map_err(|e| bad(e.to_string()))?)
                }
                "NarSize" => nar_size = Some(num(value)?),
                "References" => {
                    for r in value.split(' ').filter(|s| !s.is_empty()) {
                        references
                            .push(StorePath::from_base_name(r).map_err(|e| bad(e.to_string()))?);
                    }
                }
                "Deriver" if value != "unknown-deriver" => {
                    deriver =
                        Some(StorePath::from_base_name(value).map_err(|e| bad(e.to_string()))?);
                }
                "Sig" => sigs.push(value.to_string()),
                "CA" => ca = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(NarInfo {
            store_path: store_path.ok_or(NarInfoError::Missing("StorePath"))?,
            url: url.ok_or(NarInfoError::Missing("URL"))?,
            compression,
            file_hash,
            file_size,
            nar_hash: nar_hash.ok_or(NarInfoError::Missing("NarHash"))?,
            nar_size: nar_size.ok_or(NarInfoError::Missing("NarSize"))?,
            references,
            deriver,
            sigs,
            ca,
        })
    }

    /// Print in Nix's field order; hashes in `algo:base32`.
    pub fn to_text(&self, store_dir: &StoreDir) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "StorePath: {}", store_dir.print(&self.store_path));
        let _ = writeln!(s, "URL: {}", self.url);
        if let Some(c) = &self.compression {
            let _ = writeln!(s, "Compression: {c}");
        }
        if let Some(h) = &self.file_hash {
            let _ = writeln!(s, "FileHash: {h}");
        }
        if let Some(n) = self.file_size {
            let _ = writeln!(s, "FileSize: {n}");
        }
        let _ = writeln!(s, "NarHash: {}", self.nar_hash);
        let _ = writeln!(s, "NarSize: {}", self.nar_size);
        let refs: Vec<&str> = self.references.iter().map(|r| r.base_name()).collect();
        let _ = writeln!(s, "References: {}", refs.join(" "));
        if let Some(d) = &self.deriver {
            let _ = writeln!(s, "Deriver: {d}");
        }
        for sig in &self.sigs {
            let _ = writeln!(s, "Sig: {sig}");
        }
        if let Some(ca) = &self.ca {
            let _ = writeln!(s, "CA: {ca}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "StorePath: /nix/store/r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo\n\
URL: nar/1dxjliwbdv17qyq4lwix4ggi10vlrrq55dn32ssm0ad4q2vkqggm.nar.xz\n\
Compression: xz\n\
FileHash: sha256:1dxjliwbdv17qyq4lwix4ggi10vlrrq55dn32ssm0ad4q2vkqggm\n\
FileSize: 1234\n\
NarHash: sha256:0bqw5bsd0zj0pf9668bwl0k91z39wi8n5ivflhnv693xgdz6iaj1\n\
NarSize: 5678\n\
References: 5bdsnapgidqr672g9h3nb6kz60zlwhqs-fx r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo\n\
Deriver: pmrb2xvgmpzk5jr90ij8azp7n5gyai5w-foo.drv\n\
Sig: cache.example.org-1:c2lnbmF0dXJl\n\
CA: fixed:r:sha256:0bqw5bsd0zj0pf9668bwl0k91z39wi8n5ivflhnv693xgdz6iaj1\n";

    #[test]
    fn roundtrip() {
        let sd = StoreDir::nix();
        let ni = NarInfo::parse(&sd, SAMPLE).unwrap();
        assert_eq!(ni.references.len(), 2);
        assert_eq!(ni.nar_size, 5678);
        assert_eq!(ni.to_text(&sd), SAMPLE);
    }

    #[test]
    fn errors() {
        let sd = StoreDir::nix();
        assert_eq!(
            NarInfo::parse(&sd, "URL: x\n").unwrap_err(),
            NarInfoError::Missing("StorePath")
        );
        assert!(matches!(
            NarInfo::parse(&sd, "garbage\n"),
            Err(NarInfoError::BadLine { line: 1, .. })
        ));
        let e = NarInfo::parse(&sd, &SAMPLE.replace("NarSize: 5678", "NarSize: x")).unwrap_err();
        assert!(matches!(e, NarInfoError::BadValue { line: 7, .. }), "{e}");
    }
}
