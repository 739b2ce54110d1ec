//! The collection's lock of Debian packages: per suite and architecture,
//! the exact `.deb` files it uses, resolved from a `Packages` index by
//! following `Pre-Depends` and `Depends` from named root groups.
//!
//! A lock file is JSON (`pkgs/debian/<suite>-<arch>.json`): the suite, the
//! architecture, the index's `Release` date, the root groups as asked
//! (group → package names) with the closure each needs, and one entry per
//! package (name, version, architecture, pool path, SHA-256, size), sorted
//! by name so that a refresh shows as a readable diff.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::index::Package;
use crate::relation::Relation;

/// One locked `.deb`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// The package's name.
    pub package: String,
    /// Its exact version.
    pub version: String,
    /// Its architecture (the lock's, or `all`).
    pub architecture: String,
    /// Its path below the archive root (`pool/...`), fetched as
    /// `mirror://debian/<filename>`.
    pub filename: String,
    /// SHA-256 of the `.deb`, in hex (as the index gives it).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A lock file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// The suite (e.g. `bookworm`).
    pub suite: String,
    /// The Debian architecture (e.g. `arm64`).
    pub architecture: String,
    /// The `Date` of the suite's `Release` the index came from.
    pub release_date: String,
    /// Root group → the packages asked for.
    pub roots: BTreeMap<String, Vec<String>>,
    /// Root group → every package of its closure, sorted.
    pub closures: BTreeMap<String, Vec<String>>,
    /// Every locked package, sorted by name.
    pub packages: Vec<LockEntry>,
}

/// What the lock generator is asked for, per architecture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRequest {
    /// Root group → package names.
    pub roots: BTreeMap<String, Vec<String>>,
    /// Packages never followed into (maintainer-script machinery such as
    /// `dpkg` and `debconf` that unpacked toolchains do not run). A
    /// dependency on one of them is taken as satisfied.
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// Why a closure could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// A root is not in the index.
    #[error("the root package '{package}' of group '{group}' is not in the {arch} index")]
    UnknownRoot {
        /// The group.
        group: String,
        /// The package.
        package: String,
        /// The architecture.
        arch: String,
    },
    /// A dependency has no package that satisfies it.
    #[error("cannot satisfy '{relation}' of '{package}' (group '{group}') from the {arch} index")]
    Unsatisfiable {
        /// The group.
        group: String,
        /// The package needing it.
        package: String,
        /// The dependency, as written.
        relation: String,
        /// The architecture.
        arch: String,
    },
}

/// A `Packages` index prepared for resolution: the newest version of each
/// name, and who provides each virtual name.
pub struct Universe<'a> {
    arch: String,
    by_name: HashMap<&'a str, &'a Package>,
    providers: HashMap<&'a str, Vec<&'a Package>>,
}

impl<'a> Universe<'a> {
    /// Indexes `packages` (of architecture `arch` and `all`; others are
    /// left out).
    pub fn new(packages: &'a [Package], arch: &str) -> Universe<'a> {
        let mut by_name: HashMap<&str, &Package> = HashMap::new();
        let mut providers: HashMap<&str, Vec<&Package>> = HashMap::new();
        for p in packages {
            if p.architecture != arch && p.architecture != "all" {
                continue;
            }
            match by_name.get(p.name.as_str()) {
                Some(old) if old.version >= p.version => {}
                _ => {
                    by_name.insert(&p.name, p);
                }
            }
        }
        for p in by_name.values() {
            for provided in &p.provides {
                providers.entry(&provided.name).or_default().push(p);
            }
        }
        for list in providers.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Universe {
            arch: arch.to_string(),
            by_name,
            providers,
        }
    }

    /// The package called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&'a Package> {
        self.by_name.get(name).copied()
    }

    /// The package that satisfies `relation`: the real package of that
    /// name when its version is admitted, else (unversioned relations
    /// only) the first provider by name, preferring one already `chosen`.
    fn satisfy(&self, r: &Relation, chosen: &BTreeSet<String>) -> Option<&'a Package> {
        if let Some(p) = self.get(&r.name).filter(|p| r.admits(&p.version)) {
            return Some(p);
        }
        let providers = self.providers.get(r.name.as_str())?;
        let fits = |p: &&&Package| {
            p.provides.iter().filter(|pr| pr.name == r.name).any(|pr| {
                match (&r.version, &pr.version) {
                    (None, _) => true,
                    (Some((op, want)), Some((_, have))) => op.holds(have, want),
                    (Some(_), None) => false,
                }
            })
        };
        providers
            .iter()
            .filter(fits)
            .find(|p| chosen.contains(&p.name))
            .or_else(|| providers.iter().find(fits))
            .copied()
    }

    /// The closure of `roots` under `Pre-Depends` and `Depends`: for each
    /// dependency group, an alternative already chosen, else the first
    /// alternative that some package satisfies.
    pub fn closure(
        &self,
        group: &str,
        roots: &[String],
        ignore: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, &'a Package>, LockError> {
        let mut chosen: BTreeMap<String, &Package> = BTreeMap::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut queue = VecDeque::new();
        for root in roots {
            let p = self.get(root).ok_or_else(|| LockError::UnknownRoot {
                group: group.to_string(),
                package: root.clone(),
                arch: self.arch.clone(),
            })?;
            if names.insert(p.name.clone()) {
                chosen.insert(p.name.clone(), p);
                queue.push_back(p);
            }
        }
        while let Some(p) = queue.pop_front() {
            for alternatives in &p.depends {
                let alternatives: Vec<&Relation> = alternatives
                    .iter()
                    .filter(|r| r.applies_on(&self.arch))
                    .collect();
                if alternatives.is_empty() || alternatives.iter().any(|r| ignore.contains(&r.name))
                {
                    continue;
                }
                let already = alternatives.iter().any(|r| {
                    self.satisfy(r, &names)
                        .is_some_and(|s| names.contains(&s.name))
                });
                if already {
                    continue;
                }
                let pick = alternatives
                    .iter()
                    .find_map(|r| self.satisfy(r, &names))
                    .ok_or_else(|| LockError::Unsatisfiable {
                        group: group.to_string(),
                        package: p.name.clone(),
                        relation: alternatives
                            .iter()
                            .map(|r| r.to_string())
                            .collect::<Vec<_>>()
                            .join(" | "),
                        arch: self.arch.clone(),
                    })?;
                if ignore.contains(&pick.name) {
                    continue;
                }
                if names.insert(pick.name.clone()) {
                    chosen.insert(pick.name.clone(), pick);
                    queue.push_back(pick);
                }
            }
        }
        Ok(chosen)
    }
}

/// Resolves every group of `request` in `packages` into a lock.
pub fn resolve(
    suite: &str,
    arch: &str,
    release_date: &str,
    packages: &[Package],
    request: &LockRequest,
) -> Result<Lock, LockError> {
    let universe = Universe::new(packages, arch);
    let ignore: BTreeSet<String> = request.ignore.iter().cloned().collect();
    let mut all: BTreeMap<String, &Package> = BTreeMap::new();
    let mut closures = BTreeMap::new();
    for (group, roots) in &request.roots {
        let closure = universe.closure(group, roots, &ignore)?;
        closures.insert(group.clone(), closure.keys().cloned().collect());
        all.extend(closure);
    }
    Ok(Lock {
        suite: suite.to_string(),
        architecture: arch.to_string(),
        release_date: release_date.to_string(),
        roots: request.roots.clone(),
        closures,
        packages: all
            .values()
            .map(|p| LockEntry {
                package: p.name.clone(),
                version: p.version.to_string(),
                architecture: p.architecture.clone(),
                filename: p.filename.clone(),
                sha256: p.sha256.clone(),
                size: p.size,
            })
            .collect(),
    })
}

impl Lock {
    /// The lock as the JSON text written to `pkgs/debian/` (two-space
    /// indentation, a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a lock serialises");
        s.push('\n');
        s
    }

    /// Parses a lock file's text.
    pub fn from_json(text: &str) -> Result<Lock, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// How this lock differs from `older`: (added, removed, changed) lines.
    pub fn diff(&self, older: &Lock) -> Vec<String> {
        let old: BTreeMap<&str, &LockEntry> = older
            .packages
            .iter()
            .map(|e| (e.package.as_str(), e))
            .collect();
        let new: BTreeMap<&str, &LockEntry> = self
            .packages
            .iter()
            .map(|e| (e.package.as_str(), e))
            .collect();
        let mut out = Vec::new();
        for (name, e) in &new {
            match old.get(name) {
                None => out.push(format!("+ {name} {}", e.version)),
                Some(o) if o.version != e.version || o.sha256 != e.sha256 => {
                    out.push(format!("~ {name} {} -> {}", o.version, e.version))
                }
                Some(_) => {}
            }
        }
        for (name, o) in &old {
            if !new.contains_key(name) {
                out.push(format!("- {name} {}", o.version));
            }
        }
        out
    }
}

/// What a collection locks: `pkgs/debian/roots.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockConfig {
    /// The suite (e.g. `bookworm`).
    pub suite: String,
    /// The archive component (e.g. `main`).
    pub component: String,
    /// Debian architecture → what to lock for it.
    pub architectures: BTreeMap<String, LockRequest>,
}

/// Why locks could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The configuration does not parse.
    #[error("{file}: {source}")]
    Config {
        /// The file.
        file: String,
        /// The error.
        source: serde_json::Error,
    },
    /// An architecture asked for is not configured.
    #[error("the architecture '{arch}' is not in {file} (configured: {known})")]
    UnknownArch {
        /// The architecture.
        arch: String,
        /// The configuration file.
        file: String,
        /// The configured ones.
        known: String,
    },
    /// Reading the archive's index failed.
    #[error(transparent)]
    Archive(#[from] crate::archive::ArchiveError),
    /// Resolution failed.
    #[error(transparent)]
    Resolve(#[from] LockError),
}

impl LockConfig {
    /// Parses `roots.json`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<LockConfig, RefreshError> {
        serde_json::from_str(text).map_err(|source| RefreshError::Config {
            file: file.to_string(),
            source,
        })
    }

    /// The lock file's name for `arch`: `<suite>-<arch>.json`.
    pub fn lock_file_name(&self, arch: &str) -> String {
        format!("{}-{arch}.json", self.suite)
    }

    /// Fetches the current index of each architecture in `arches` (every
    /// configured one when empty) through `fetch`, its `InRelease` checked
    /// by `check`, and resolves its lock.
    pub fn refresh(
        &self,
        arches: &[String],
        file: &str,
        fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
        check: &dyn crate::archive::ReleaseCheck,
    ) -> Result<Vec<Lock>, RefreshError> {
        let chosen: Vec<&String> = if arches.is_empty() {
            self.architectures.keys().collect()
        } else {
            arches.iter().collect()
        };
        let mut locks = Vec::new();
        for arch in chosen {
            let request =
                self.architectures
                    .get(arch)
                    .ok_or_else(|| RefreshError::UnknownArch {
                        arch: arch.clone(),
                        file: file.to_string(),
                        known: self
                            .architectures
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" "),
                    })?;
            let (release, packages) =
                crate::archive::load_index(fetch, check, &self.suite, &self.component, arch)?;
            locks.push(resolve(
                &self.suite,
                arch,
                &release.date,
                &packages,
                request,
            )?);
        }
        Ok(locks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse_packages;

    fn pkg(name: &str, version: &str, extra: &str) -> String {
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: amd64\nFilename: pool/main/{name}_{version}.deb\nSize: 10\nSHA256: {}\n{extra}\n",
            "0".repeat(64)
        )
    }

    fn index() -> Vec<Package> {
        let text = [
            pkg(
                "app",
                "1.0",
                "Depends: libc6 (>= 2.30), awk | mawk, mail-transport-agent, dpkg (>= 1.19)",
            ),
            pkg("libc6", "2.36-9", "Depends: libgcc-s1"),
            pkg("libc6", "2.31-1", ""),
            pkg("libgcc-s1", "12.2.0-14", "Depends: libc6 (>= 2.35)"),
            pkg("mawk", "1.3.4", "Provides: awk"),
            pkg(
                "exim4",
                "4.96",
                "Provides: mail-transport-agent\nDepends: libc6",
            ),
            pkg("postfix", "3.7", "Provides: mail-transport-agent"),
            pkg("old", "1", "Depends: libc6 (>= 3.0)"),
            pkg("dpkg", "1.21", "Depends: tar"),
        ]
        .join("\n");
        parse_packages(&text, "test").unwrap()
    }

    #[test]
    fn closure_follows_depends_providers_and_ignores() {
        let packages = index();
        let request = LockRequest {
            roots: [("g".to_string(), vec!["app".to_string()])].into(),
            ignore: vec!["dpkg".to_string()],
        };
        let lock = resolve("bookworm", "amd64", "d", &packages, &request).unwrap();
        let names: Vec<&str> = lock.packages.iter().map(|e| e.package.as_str()).collect();
        // The newest libc6; mawk for the virtual awk; the first provider by
        // name for the mail agent; dpkg ignored.
        assert_eq!(names, ["app", "exim4", "libc6", "libgcc-s1", "mawk"]);
        assert_eq!(lock.packages[2].version, "2.36-9");
        let back = Lock::from_json(&lock.to_json()).unwrap();
        assert_eq!(back, lock);
    }

    #[test]
    fn unknown_and_unsatisfiable_are_errors() {
        let packages = index();
        let ask = |root: &str| LockRequest {
            roots: [("g".to_string(), vec![root.to_string()])].into(),
            ignore: vec![],
        };
        let e = resolve("s", "amd64", "", &packages, &ask("nope")).unwrap_err();
        assert!(e.to_string().contains("'nope'"), "{e}");
        let e = resolve("s", "amd64", "", &packages, &ask("old")).unwrap_err();
        assert!(e.to_string().contains("libc6 (>= 3.0)"), "{e}");
        let e = resolve("s", "amd64", "", &packages, &ask("app")).unwrap_err();
        assert!(e.to_string().contains("tar"), "{e}");
    }

    #[test]
    fn diffs() {
        let packages = index();
        let ask = |roots: &[&str]| LockRequest {
            roots: [(
                "g".to_string(),
                roots.iter().map(|s| s.to_string()).collect(),
            )]
            .into(),
            ignore: vec!["dpkg".into()],
        };
        let a = resolve("s", "amd64", "", &packages, &ask(&["libc6"])).unwrap();
        let b = resolve("s", "amd64", "", &packages, &ask(&["mawk"])).unwrap();
        let d = b.diff(&a);
        assert!(d.contains(&"+ mawk 1.3.4".to_string()), "{d:?}");
        assert!(d.contains(&"- libc6 2.36-9".to_string()), "{d:?}");
    }
}
