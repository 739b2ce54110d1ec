//! An archive's indexes: the `Release` file of a suite (what files the
//! suite has, with their SHA-256 and size) and `Packages` indexes (one
//! paragraph per binary package).

use std::collections::BTreeMap;

use crate::deb822::{self, Deb822Error, Paragraph};
use crate::relation::{parse_relations, Relation, RelationError};
use crate::version::{Version, VersionError};

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The deb822 syntax is broken.
    #[error("{what}: {source}")]
    Syntax {
        /// Which index.
        what: String,
        /// The error.
        source: Deb822Error,
    },
    /// A paragraph lacks a field or has a bad value.
    #[error("{what}, paragraph at line {line}: {reason}")]
    Field {
        /// Which index.
        what: String,
        /// The paragraph's line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// A suite's `Release` (or `InRelease`) file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Release {
    /// `Suite` (e.g. `stable`).
    pub suite: String,
    /// `Codename` (e.g. `bookworm`).
    pub codename: String,
    /// `Date`, as written.
    pub date: String,
    /// `Architectures`.
    pub architectures: Vec<String>,
    /// `Components`.
    pub components: Vec<String>,
    /// Path below the suite's directory → (SHA-256 in hex, size).
    pub sha256: BTreeMap<String, (String, u64)>,
}

/// Removes an OpenPGP clear signature's armour, keeping the signed text.
/// The signature itself is not checked here.
pub fn strip_clearsign(text: &str) -> &str {
    let Some(start) = text.find("-----BEGIN PGP SIGNED MESSAGE-----") else {
        return text;
    };
    let body = &text[start..];
    // The armour header lines end at the first blank line.
    let body = match body.find("\n\n") {
        Some(at) => &body[at + 2..],
        None => return "",
    };
    match body.find("\n-----BEGIN PGP SIGNATURE-----") {
        Some(end) => &body[..end + 1],
        None => body,
    }
}

impl Release {
    /// Parses a `Release` or `InRelease` file; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<Release, IndexError> {
        let paragraphs =
            deb822::parse(strip_clearsign(text)).map_err(|source| IndexError::Syntax {
                what: what.to_string(),
                source,
            })?;
        let p = paragraphs.first().ok_or_else(|| IndexError::Field {
            what: what.to_string(),
            line: 1,
            reason: "the file is empty".to_string(),
        })?;
        let words = |f: &str| -> Vec<String> {
            p.get(f)
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        let mut sha256 = BTreeMap::new();
        for line in p.get("SHA256").unwrap_or("").lines() {
            let mut it = line.split_whitespace();
            let (Some(hash), Some(size), Some(path), None) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                continue;
            };
            let size = size.parse().map_err(|_| IndexError::Field {
                what: what.to_string(),
                line: p.line,
                reason: format!("bad size '{size}' for {path} in SHA256"),
            })?;
            sha256.insert(path.to_string(), (hash.to_ascii_lowercase(), size));
        }
        Ok(Release {
            suite: p.get("Suite").unwrap_or("").to_string(),
            codename: p.get("Codename").unwrap_or("").to_string(),
            date: p.get("Date").unwrap_or("").to_string(),
            architectures: words("Architectures"),
            components: words("Components"),
            sha256,
        })
    }
}

/// One binary package of a `Packages` index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `Package`.
    pub name: String,
    /// `Version`.
    pub version: Version,
    /// `Architecture` (`amd64`, `arm64`, `all`, ...).
    pub architecture: String,
    /// `Multi-Arch` (`same`, `foreign`, `allowed`, or "").
    pub multi_arch: String,
    /// `Filename`: the `.deb`'s path below the archive root (`pool/...`).
    pub filename: String,
    /// `Size` in bytes.
    pub size: u64,
    /// `SHA256` in hex.
    pub sha256: String,
    /// `Pre-Depends` and `Depends`, in that order.
    pub depends: Vec<Vec<Relation>>,
    /// `Provides`.
    pub provides: Vec<Relation>,
    /// `Essential: yes`.
    pub essential: bool,
    /// `Priority`.
    pub priority: String,
    /// `Source` (the source package's name, without a version), or the
    /// package's own name.
    pub source: String,
}

impl Package {
    fn from_paragraph(p: &Paragraph, what: &str) -> Result<Package, IndexError> {
        let field_err = |reason: String| IndexError::Field {
            what: what.to_string(),
            line: p.line,
            reason,
        };
        let need = |f: &str| {
            p.get(f)
                .ok_or_else(|| field_err(format!("the field '{f}' is missing")))
        };
        let name = need("Package")?.to_string();
        let in_pkg = |e: String| field_err(format!("package '{name}': {e}"));
        let version =
            Version::parse(need("Version")?).map_err(|e: VersionError| in_pkg(e.to_string()))?;
        let relations = |f: &str| -> Result<Vec<Vec<Relation>>, IndexError> {
            parse_relations(p.get(f).unwrap_or(""))
                .map_err(|e: RelationError| in_pkg(format!("{f}: {e}")))
        };
        let mut depends = relations("Pre-Depends")?;
        depends.extend(relations("Depends")?);
        let provides = relations("Provides")?.into_iter().flatten().collect();
        let size = need("Size")?
            .parse()
            .map_err(|_| in_pkg("the field 'Size' is not a number".to_string()))?;
        let sha256 = need("SHA256")?.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(in_pkg(
                "the field 'SHA256' is not a SHA-256 in hex".to_string(),
            ));
        }
        let filename = need("Filename")?.to_string();
        if filename.starts_with('/') || filename.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(in_pkg(format!(
                "the file name '{filename}' leaves the archive"
            )));
        }
        Ok(Package {
            version,
            architecture: need("Architecture")?.to_string(),
            multi_arch: p.get("Multi-Arch").unwrap_or("").to_string(),
            filename,
            size,
            sha256,
            depends,
            provides,
            essential: p.get("Essential") == Some("yes"),
            priority: p.get("Priority").unwrap_or("").to_string(),
            source: p
                .get("Source")
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or(&name)
                .to_string(),
            name,
        })
    }
}

/// Parses a (decompressed) `Packages` index; `what` names it in errors.
pub fn parse_packages(text: &str, what: &str) -> Result<Vec<Package>, IndexError> {
    deb822::parse(text)
        .map_err(|source| IndexError::Syntax {
            what: what.to_string(),
            source,
        })?
        .iter()
        .map(|p| Package::from_paragraph(p, what))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKG: &str = "Package: hello\nSource: hello (2.10-3)\nVersion: 2.10-3\nArchitecture: amd64\n\
Depends: libc6 (>= 2.34)\nPre-Depends: dpkg (>= 1.15)\nFilename: pool/main/h/hello/hello_2.10-3_amd64.deb\n\
Size: 53000\nSHA256: 0000000000000000000000000000000000000000000000000000000000000000\nPriority: optional\n";

    #[test]
    fn packages_paragraphs() {
        let ps = parse_packages(&format!("{PKG}\nPackage: x\nVersion: 1\nArchitecture: all\nFilename: pool/x.deb\nSize: 1\nSHA256: {}\n", "a".repeat(64)), "t").unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].source, "hello");
        assert_eq!(ps[0].depends[0][0].name, "dpkg");
        assert_eq!(ps[0].depends[1][0].name, "libc6");
        assert_eq!(ps[1].source, "x");
    }

    #[test]
    fn bad_packages_are_errors() {
        let e = parse_packages(&PKG.replace("Size: 53000\n", ""), "idx").unwrap_err();
        assert!(e.to_string().contains("'Size' is missing"), "{e}");
        let e = parse_packages(&PKG.replace("pool/main", "../main"), "idx").unwrap_err();
        assert!(e.to_string().contains("leaves the archive"), "{e}");
        let e = parse_packages(&PKG.replace("SHA256: 0000", "SHA256: zz00"), "idx").unwrap_err();
        assert!(e.to_string().contains("SHA-256"), "{e}");
    }

    #[test]
    fn release_from_clearsigned() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nSuite: stable\nCodename: bookworm\n\
Architectures: amd64 arm64\nComponents: main\nSHA256:\n 0123 100 main/binary-arm64/Packages.xz\n abcd 5 main/binary-arm64/Release\n\
-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n";
        let r = Release::parse(text, "InRelease").unwrap();
        assert_eq!(r.codename, "bookworm");
        assert_eq!(r.architectures, vec!["amd64", "arm64"]);
        assert_eq!(
            r.sha256["main/binary-arm64/Packages.xz"],
            ("0123".to_string(), 100)
        );
    }
}
