//! Reading a suite's indexes from an archive: `dists/<suite>/InRelease`,
//! then a `Packages` index whose SHA-256 and size the `Release` vouches
//! for. The caller supplies the fetching (paths are relative to the
//! archive root, e.g. `dists/bookworm/InRelease`), so this module stays
//! free of network code.
//!
//! The `InRelease` must be signed by a trusted key ([`ReleaseCheck`], for
//! the machine [`crate::signature::Keyrings`]); only the text its signature
//! covers is read. So the chain signature -> `Release` -> `Packages` ->
//! each `.deb`'s SHA-256 (pinned in the lock, checked by every build) holds.

use sha2::{Digest, Sha256};

use crate::compress::decompress_named;
use crate::index::{parse_packages, IndexError, Package, Release};
use crate::signature::{Keyrings, SignatureError};

/// Checks a suite's `InRelease` and gives the text its signature covers.
pub trait ReleaseCheck {
    /// The signed `Release` text of `in_release`, or why it is not trusted.
    fn check(&self, suite: &str, in_release: &[u8]) -> Result<Vec<u8>, SignatureError>;
}

impl ReleaseCheck for Keyrings {
    fn check(&self, suite: &str, in_release: &[u8]) -> Result<Vec<u8>, SignatureError> {
        self.verify(suite, in_release)
    }
}

/// Why a suite's index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Fetching a file failed.
    #[error("cannot fetch mirror://debian/{path}: {message}")]
    Fetch {
        /// The path below the archive root.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The suite's `Release` does not list the index.
    #[error("dists/{suite}/InRelease does not list {file}; is '{arch}' an architecture of '{suite}' (its Architectures: {known})?")]
    NotListed {
        /// The suite.
        suite: String,
        /// The index file looked for.
        file: String,
        /// The architecture.
        arch: String,
        /// The architectures the suite has.
        known: String,
    },
    /// The index does not match the `Release`'s hash or size.
    #[error("mirror://debian/{path} does not match dists/{suite}/InRelease (expected {expected_size} bytes with SHA-256 {expected}, got {size} bytes with {actual}); the mirror may be updating, try again later")]
    Mismatch {
        /// The index's path.
        path: String,
        /// The suite.
        suite: String,
        /// The expected SHA-256.
        expected: String,
        /// The expected size.
        expected_size: u64,
        /// The SHA-256 of what arrived.
        actual: String,
        /// The size of what arrived.
        size: u64,
    },
    /// The `InRelease` is not signed by a trusted key.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An index does not parse.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// An index does not decompress.
    #[error("mirror://debian/{path}: cannot decompress: {message}")]
    Decompress {
        /// The index's path.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// SHA-256 of `bytes` in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fetches and checks the `Release` of `suite` and its `Packages` index of
/// `component` and `arch`, and parses both. The `InRelease` must pass
/// `check` (its signature).
pub fn load_index(
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    check: &dyn ReleaseCheck,
    suite: &str,
    component: &str,
    arch: &str,
) -> Result<(Release, Vec<Package>), ArchiveError> {
    let mut get =
        |path: String| fetch(&path).map_err(|message| ArchiveError::Fetch { path, message });
    let release_path = format!("dists/{suite}/InRelease");
    let signed = get(release_path.clone())?;
    let release_bytes = check.check(suite, &signed)?;
    let release = Release::parse(&String::from_utf8_lossy(&release_bytes), &release_path)?;
    let (file, (expected, expected_size)) = ["xz", "gz"]
        .iter()
        .find_map(|ext| {
            let file = format!("{component}/binary-{arch}/Packages.{ext}");
            release.sha256.get(&file).map(|h| (file, h.clone()))
        })
        .ok_or_else(|| ArchiveError::NotListed {
            suite: suite.to_string(),
            file: format!("{component}/binary-{arch}/Packages.xz"),
            arch: arch.to_string(),
            known: release.architectures.join(" "),
        })?;
    let path = format!("dists/{suite}/{file}");
    let bytes = get(path.clone())?;
    let actual = sha256_hex(&bytes);
    if actual != expected || bytes.len() as u64 != expected_size {
        return Err(ArchiveError::Mismatch {
            path,
            suite: suite.to_string(),
            expected,
            expected_size,
            actual,
            size: bytes.len() as u64,
        });
    }
    let text = decompress_named(&file, &bytes).map_err(|e| ArchiveError::Decompress {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let packages = parse_packages(&String::from_utf8_lossy(&text), &path)?;
    Ok((release, packages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Write;

    /// Takes an unsigned `Release` as it is: these tests are about the
    /// hash chain below the signature (signature.rs tests the signature).
    struct Unchecked;
    impl ReleaseCheck for Unchecked {
        fn check(&self, _: &str, in_release: &[u8]) -> Result<Vec<u8>, SignatureError> {
            Ok(in_release.to_vec())
        }
    }

    fn archive(packages: &str, tamper: bool) -> BTreeMap<String, Vec<u8>> {
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(packages.as_bytes()).unwrap();
        let mut xz = xz.finish().unwrap();
        let release = format!(
            "Codename: bookworm\nDate: today\nArchitectures: arm64\nSHA256:\n {} {} main/binary-arm64/Packages.xz\n",
            sha256_hex(&xz),
            xz.len()
        );
        if tamper {
            xz.push(0);
        }
        [
            ("dists/bookworm/InRelease".to_string(), release.into_bytes()),
            (
                "dists/bookworm/main/binary-arm64/Packages.xz".to_string(),
                xz,
            ),
        ]
        .into()
    }

    #[test]
    fn loads_and_checks() {
        let pkgs = format!("Package: a\nVersion: 1\nArchitecture: arm64\nFilename: pool/a.deb\nSize: 1\nSHA256: {}\n", "1".repeat(64));
        let files = archive(&pkgs, false);
        let mut fetch = |p: &str| files.get(p).cloned().ok_or_else(|| "404".to_string());
        let (release, packages) =
            load_index(&mut fetch, &Unchecked, "bookworm", "main", "arm64").unwrap();
        assert_eq!(release.date, "today");
        assert_eq!(packages[0].name, "a");
        let e = load_index(&mut fetch, &Unchecked, "bookworm", "main", "riscv64").unwrap_err();
        assert!(e.to_string().contains("Architectures: arm64"), "{e}");
        let bad = archive(&pkgs, true);
        let mut fetch = |p: &str| bad.get(p).cloned().ok_or_else(|| "404".to_string());
        let e = load_index(&mut fetch, &Unchecked, "bookworm", "main", "arm64").unwrap_err();
        assert!(matches!(e, ArchiveError::Mismatch { .. }), "{e}");
    }
}
