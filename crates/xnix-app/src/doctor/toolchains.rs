//! The toolchains of the collection's lock of Debian packages, as this
//! store has them: for every locked group (a suite, an architecture and a
//! group of roots.json with its dependency closure), how many of its
//! `.deb` files are in the store and their size, and whether the group's
//! unpacked tree (`builtin:unpack-debs`) is there and its size.
//!
//! The lock files say what a group is made of and how big each `.deb` is;
//! the store paths come from evaluating the lock's expression
//! (pkgs/debian/default.nix), so how a locked `.deb` becomes a store path is
//! said in one place. Nothing here builds, fetches or creates a store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xnix_debian::lock::{Lock, LockConfig};
use xnix_eval::Pos;
use xnix_store::{LocalStore, LocalStoreConfig};

use crate::flake::nix_string;
use crate::installable::new_evaluator;

/// Where one locked group stands in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// Its unpacked tree is in the store.
    Unpacked,
    /// Every `.deb` is in the store; the tree is not unpacked yet.
    Fetched,
    /// Some of its `.deb` files are in the store.
    Partial,
    /// Nothing of it is in the store.
    NotFetched,
}

impl GroupState {
    /// The word `--json` and plain lines use.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupState::Unpacked => "unpacked",
            GroupState::Fetched => "fetched",
            GroupState::Partial => "partial",
            GroupState::NotFetched => "not-fetched",
        }
    }
}

/// One group of one lock, as the store has it.
#[derive(Debug, Clone)]
pub struct LockedGroup {
    /// The Debian suite (`bookworm`).
    pub suite: String,
    /// The Debian architecture (`amd64`).
    pub architecture: String,
    /// The group's name in roots.json (`gcc-cross-aarch64`).
    pub group: String,
    /// How many `.deb` files its closure has.
    pub debs: usize,
    /// Their size, in bytes (what a first set-up downloads).
    pub deb_bytes: u64,
    /// How many of them are in the store.
    pub fetched_debs: usize,
    /// The size of those, in bytes.
    pub fetched_bytes: u64,
    /// The store path of its unpacked tree.
    pub unpacked_path: String,
    /// The NAR size of that tree when it is in the store.
    pub unpacked_size: Option<u64>,
}

impl LockedGroup {
    /// Where it stands.
    pub fn state(&self) -> GroupState {
        if self.unpacked_size.is_some() {
            GroupState::Unpacked
        } else if self.fetched_debs == self.debs {
            GroupState::Fetched
        } else if self.fetched_debs > 0 {
            GroupState::Partial
        } else {
            GroupState::NotFetched
        }
    }

    /// Whether a build needs nothing downloaded for it.
    pub fn is_fetched(&self) -> bool {
        matches!(self.state(), GroupState::Unpacked | GroupState::Fetched)
    }
}

/// The toolchains of the lock.
pub struct ToolchainReport {
    /// The lock's directory (the collection's pkgs/debian).
    pub lock_dir: PathBuf,
    /// Every group of every lock, by suite, architecture and group name.
    pub groups: Vec<LockedGroup>,
    /// Every locked `.deb`'s store path, with its size in bytes.
    pub deb_sizes: BTreeMap<String, u64>,
    /// The store looked in (None: it does not exist yet).
    store: Option<LocalStore>,
}

impl ToolchainReport {
    /// The NAR size of `path` when it is valid in the store.
    pub fn size_in_store(&self, path: &str) -> Option<u64> {
        let store = self.store.as_ref()?;
        let path = store.parse_path(path).ok()?;
        store.query_path_info(&path).ok()?.map(|i| i.nar_size)
    }
}

/// The directories holding a `roots.json` and its locks: `debian_dir`
/// itself and its subdirectories (another suite, e.g. trixie/), sorted.
fn lock_dirs(debian_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs = vec![];
    if debian_dir.join("roots.json").is_file() {
        dirs.push(debian_dir.to_path_buf());
    }
    let entries = std::fs::read_dir(debian_dir)
        .with_context(|| format!("reading the lock directory {}", debian_dir.display()))?;
    let mut subs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("roots.json").is_file())
        .collect();
    subs.sort();
    dirs.extend(subs);
    Ok(dirs)
}

/// Store paths of one lock directory, from the lock's expression: per
/// architecture, each package's `.deb` and each group's unpacked tree.
struct LockPaths {
    debs: BTreeMap<String, String>,
    groups: BTreeMap<String, String>,
}

fn evaluate_paths(
    store_dir: &str,
    debian_dir: &Path,
    dir: &Path,
    suite: &str,
) -> anyhow::Result<BTreeMap<String, LockPaths>> {
    let expr = format!(
        "let d = import (/. + {default}) {{ suite = {suite}; lockDir = /. + {dir}; }}; in \
         builtins.mapAttrs (arch: _: {{ debs = d.debs.${{arch}}; groups = d.groups.${{arch}}; }}) d.locks",
        default = nix_string(&debian_dir.to_string_lossy()),
        suite = nix_string(suite),
        dir = nix_string(&dir.to_string_lossy()),
    );
    let ev = new_evaluator(store_dir, &[]);
    let json = ev
        .eval_expr(&expr, "/")
        .and_then(|v| ev.to_json(v, Pos::NONE, false, &mut Vec::new()))
        .map_err(|e| {
            anyhow::anyhow!(
                "evaluating the lock of {} ({}): {}",
                dir.display(),
                debian_dir.join("default.nix").display(),
                e.message().lines().next().unwrap_or_default()
            )
        })?;
    let value: serde_json::Value =
        serde_json::from_str(&json).context("reading the lock's store paths")?;
    let strings = |v: &serde_json::Value| -> BTreeMap<String, String> {
        v.as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect()
    };
    Ok(value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(arch, v)| {
            let paths = LockPaths {
                debs: strings(&v["debs"]),
                groups: strings(&v["groups"]),
            };
            (arch.clone(), paths)
        })
        .collect())
}

/// What the store whose configuration is `config` (physically at
/// `physical_store`) has of every toolchain of the lock in `debian_dir`
/// (the collection's pkgs/debian). A store that does not exist yet has
/// nothing, and is not created.
pub fn report(
    store_dir: &str,
    config: LocalStoreConfig,
    physical_store: &Path,
    debian_dir: &Path,
) -> anyhow::Result<ToolchainReport> {
    let store = if physical_store.is_dir() {
        Some(LocalStore::open(config).context("opening the store")?)
    } else {
        None
    };
    let size_in_store = |path: &str| -> anyhow::Result<Option<u64>> {
        let Some(store) = &store else {
            return Ok(None);
        };
        let Ok(path) = store.parse_path(path) else {
            bail!("the lock's expression gave '{path}', not a path of {store_dir}");
        };
        Ok(store.query_path_info(&path)?.map(|i| i.nar_size))
    };
    let mut groups = vec![];
    let mut deb_sizes = BTreeMap::new();
    for dir in lock_dirs(debian_dir)? {
        let roots = dir.join("roots.json");
        let shown = roots.display().to_string();
        let text = std::fs::read_to_string(&roots).with_context(|| format!("reading {shown}"))?;
        let config = LockConfig::parse(&text, &shown)?;
        let paths = evaluate_paths(store_dir, debian_dir, &dir, &config.suite)?;
        for arch in config.architectures.keys() {
            let file = dir.join(config.lock_file_name(arch));
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading the lock {}", file.display()))?;
            let lock = Lock::from_json(&text)
                .with_context(|| format!("reading the lock {}", file.display()))?;
            let sizes: BTreeMap<&str, u64> = lock
                .packages
                .iter()
                .map(|e| (e.package.as_str(), e.size))
                .collect();
            let Some(arch_paths) = paths.get(arch) else {
                bail!("the lock's expression has no architecture {arch} ({shown} has it)");
            };
            // Whether each `.deb` of this lock is in the store, asked once.
            let mut deb_in_store = BTreeMap::new();
            for (package, path) in &arch_paths.debs {
                deb_in_store.insert(package.as_str(), size_in_store(path)?.is_some());
                deb_sizes.insert(
                    path.clone(),
                    sizes.get(package.as_str()).copied().unwrap_or(0),
                );
            }
            for (group, members) in &lock.closures {
                let mut g = LockedGroup {
                    suite: lock.suite.clone(),
                    architecture: arch.clone(),
                    group: group.clone(),
                    debs: members.len(),
                    deb_bytes: 0,
                    fetched_debs: 0,
                    fetched_bytes: 0,
                    unpacked_path: arch_paths.groups.get(group).cloned().unwrap_or_default(),
                    unpacked_size: None,
                };
                for m in members {
                    let size = sizes.get(m.as_str()).copied().unwrap_or(0);
                    g.deb_bytes += size;
                    if deb_in_store.get(m.as_str()).copied().unwrap_or(false) {
                        g.fetched_debs += 1;
                        g.fetched_bytes += size;
                    }
                }
                if !g.unpacked_path.is_empty() {
                    g.unpacked_size = size_in_store(&g.unpacked_path)?;
                }
                groups.push(g);
            }
        }
    }
    Ok(ToolchainReport {
        lock_dir: debian_dir.to_path_buf(),
        groups,
        deb_sizes,
        store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(debs: usize, fetched: usize, unpacked: Option<u64>) -> LockedGroup {
        LockedGroup {
            suite: "bookworm".into(),
            architecture: "amd64".into(),
            group: "g".into(),
            debs,
            deb_bytes: 10 * debs as u64,
            fetched_debs: fetched,
            fetched_bytes: 10 * fetched as u64,
            unpacked_path: "/xnix/store/x-g".into(),
            unpacked_size: unpacked,
        }
    }

    #[test]
    fn states() {
        assert_eq!(group(3, 0, None).state(), GroupState::NotFetched);
        assert_eq!(group(3, 1, None).state(), GroupState::Partial);
        assert_eq!(group(3, 3, None).state(), GroupState::Fetched);
        // An unpacked tree is enough: its `.deb` files may have been collected.
        assert_eq!(group(3, 0, Some(5)).state(), GroupState::Unpacked);
        assert!(group(3, 0, Some(5)).is_fetched());
        assert!(!group(3, 2, None).is_fetched());
    }

    #[test]
    fn nix_strings_are_quoted() {
        assert_eq!(nix_string(r#"/a "b" \c ${d}"#), r#""/a \"b\" \\c \${d}""#);
    }
}
