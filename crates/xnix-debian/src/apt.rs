//! The machine's APT configuration: its sources (both the one-line
//! `sources.list` format and deb822 `.sources` files), the Debian archive
//! they name (what `mirror://debian/...` resolves to), and the package
//! indexes APT has already downloaded (`/var/lib/apt/lists`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Reading APT's configuration failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read APT sources '{}': {source}", .path.display())]
pub struct AptError {
    /// The file.
    pub path: PathBuf,
    /// The error.
    pub source: io::Error,
}

/// One APT source entry (either format), as far as mirror detection needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AptSource {
    /// `deb`, `deb-src`.
    pub types: Vec<String>,
    /// Archive URIs.
    pub uris: Vec<String>,
    /// Suites, e.g. `bookworm`, `bookworm-updates`, `bookworm-security`.
    pub suites: Vec<String>,
    /// Components, e.g. `main`.
    pub components: Vec<String>,
}

/// Parses the one-line format of `/etc/apt/sources.list` and `*.list`:
/// `deb [options] URI SUITE [COMPONENT...]`. Comments and malformed lines
/// are skipped.
pub fn parse_sources_list(text: &str) -> Vec<AptSource> {
    let mut sources = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (kind, mut rest) = match line.split_once(char::is_whitespace) {
            Some((k, r)) => (k, r.trim_start()),
            None => continue,
        };
        if kind != "deb" && kind != "deb-src" {
            continue;
        }
        if rest.starts_with('[') {
            match rest.find(']') {
                Some(end) => rest = rest[end + 1..].trim_start(),
                None => continue,
            }
        }
        let mut words = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            continue;
        };
        sources.push(AptSource {
            types: vec![kind.to_string()],
            uris: vec![uri.to_string()],
            suites: vec![suite.to_string()],
            components: words.map(str::to_string).collect(),
        });
    }
    sources
}

/// Parses the deb822 format of `*.sources` files: stanzas separated by
/// blank lines, with `Types`, `URIs`, `Suites`, `Components` fields.
/// Stanzas with `Enabled: no` are skipped, and so is a file that does not
/// parse (APT would refuse it too).
pub fn parse_deb822_sources(text: &str) -> Vec<AptSource> {
    let Ok(paragraphs) = crate::deb822::parse(text) else {
        return Vec::new();
    };
    paragraphs
        .iter()
        .filter(|p| {
            !p.get("Enabled")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("no"))
        })
        .map(|p| {
            let get = |k: &str| -> Vec<String> {
                p.get(k)
                    .map(|v| v.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default()
            };
            AptSource {
                types: get("Types"),
                uris: get("URIs"),
                suites: get("Suites"),
                components: get("Components"),
            }
        })
        .filter(|s| !s.uris.is_empty())
        .collect()
}

/// Debian's release code names and suite aliases, past and planned.
const DEBIAN_RELEASES: &[&str] = &[
    "hamm",
    "slink",
    "potato",
    "woody",
    "sarge",
    "etch",
    "lenny",
    "squeeze",
    "wheezy",
    "jessie",
    "stretch",
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "duke",
    "sid",
    "stable",
    "testing",
    "unstable",
    "oldstable",
    "oldoldstable",
    "experimental",
];

/// Whether an APT suite names a Debian release archive (a release, or its
/// `-updates`/`-backports`/`-proposed-updates` pocket), and not the
/// separate security archive.
fn is_debian_release_suite(suite: &str) -> bool {
    let suite = suite.trim_end_matches('/');
    let (base, pocket) = match suite.split_once('-') {
        Some((b, p)) => (b, Some(p)),
        None => (suite, None),
    };
    DEBIAN_RELEASES.contains(&base)
        && matches!(
            pocket,
            None | Some("updates" | "backports" | "proposed-updates")
        )
}

/// Reduces an APT archive URI to the archive root (the directory holding
/// `dists/` and `pool/`), without a trailing slash. Only http, https and
/// ftp URIs qualify.
fn archive_root(uri: &str) -> Option<String> {
    if !(uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("ftp://")) {
        return None;
    }
    let mut root = uri.trim_end_matches('/');
    for marker in ["/dists/", "/pool/"] {
        if let Some(at) = root.find(marker) {
            root = &root[..at];
        }
    }
    let root = root.trim_end_matches('/');
    // Reject a bare scheme ("http:/") that trimming could leave behind.
    root.split_once("://")
        .filter(|(_, host)| !host.is_empty())
        .map(|_| root.to_string())
}

/// Picks the Debian archive root from parsed APT sources: the first `deb`
/// entry whose suites are a Debian release (not `-security`), preferring a
/// plain release suite over its pockets.
pub fn debian_archive_from_sources(sources: &[AptSource]) -> Option<String> {
    let binary = |s: &&AptSource| s.types.is_empty() || s.types.iter().any(|t| t == "deb");
    let pick = |plain: bool| {
        sources.iter().filter(binary).find_map(|s| {
            let ok = s
                .suites
                .iter()
                .any(|suite| is_debian_release_suite(suite) && (!plain || !suite.contains('-')));
            if !ok {
                return None;
            }
            s.uris
                .iter()
                .filter(|u| !u.trim_end_matches('/').ends_with("-security"))
                .find_map(|u| archive_root(u))
        })
    };
    pick(true).or_else(|| pick(false))
}

/// Reads the machine's APT sources below `root` (normally `/`):
/// `etc/apt/sources.list`, `etc/apt/sources.list.d/*.list` and
/// `etc/apt/sources.list.d/*.sources`, in that order (files of a directory
/// in name order), and returns the Debian archive root, if any.
pub fn debian_mirror_from_apt(root: &Path) -> Result<Option<String>, AptError> {
    let mut sources = Vec::new();
    let read = |path: &Path| -> Result<Option<String>, AptError> {
        match fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(AptError {
                path: path.to_path_buf(),
                source,
            }),
        }
    };
    let main = root.join("etc/apt/sources.list");
    if let Some(text) = read(&main)? {
        sources.extend(parse_sources_list(&text));
    }
    let dir = root.join("etc/apt/sources.list.d");
    let mut entries: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(AptError { path: dir, source }),
    };
    entries.sort();
    for path in entries {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "list" && ext != "sources" {
            continue;
        }
        if let Some(text) = read(&path)? {
            if ext == "list" {
                sources.extend(parse_sources_list(&text));
            } else {
                sources.extend(parse_deb822_sources(&text));
            }
        }
    }
    Ok(debian_archive_from_sources(&sources))
}

/// The `Packages` indexes APT keeps for `suite`, `component` and `arch` in
/// `lists_dir` (normally `/var/lib/apt/lists`), from any archive; each in
/// whatever compression APT chose (`.lz4`, `.xz`, `.gz` or none).
pub fn apt_list_files(lists_dir: &Path, suite: &str, component: &str, arch: &str) -> Vec<PathBuf> {
    let wanted = format!("_dists_{suite}_{component}_binary-{arch}_Packages");
    let mut found: Vec<PathBuf> = fs::read_dir(lists_dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.split_once(&wanted)
                            .is_some_and(|(_, rest)| rest.is_empty() || rest.starts_with('.'))
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_suites() {
        assert!(is_debian_release_suite("bookworm"));
        assert!(is_debian_release_suite("bookworm-updates"));
        assert!(is_debian_release_suite("stable"));
        assert!(!is_debian_release_suite("bookworm-security"));
        assert!(!is_debian_release_suite("jammy"));
        assert!(!is_debian_release_suite("focal-updates"));
    }

    #[test]
    fn archive_roots() {
        assert_eq!(
            archive_root("http://mirror.example/debian/").unwrap(),
            "http://mirror.example/debian"
        );
        assert_eq!(
            archive_root("https://mirror.example/debian/dists/bookworm").unwrap(),
            "https://mirror.example/debian"
        );
        assert!(archive_root("cdrom:[Debian]/").is_none());
        assert!(archive_root("file:/srv/debian").is_none());
    }

    #[test]
    fn both_formats() {
        let one = parse_sources_list(
            "# c\ndeb [arch=amd64 signed-by=/k] http://m.example/debian bookworm main contrib\ndeb-src http://m.example/debian bookworm main\n",
        );
        assert_eq!(one.len(), 2);
        assert_eq!(one[0].components, vec!["main", "contrib"]);
        let two = parse_deb822_sources(
            "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By:\n -----BEGIN PGP\n .\n\nTypes: deb\nURIs: http://x.example/\nSuites: s\nEnabled: no\n",
        );
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].suites, vec!["bookworm", "bookworm-updates"]);
        assert_eq!(
            debian_archive_from_sources(&two).as_deref(),
            Some("http://m.example/debian")
        );
    }
}
