//! The machine-wide cache of locked Debian `.deb` files that every test
//! building collection packages shares, so that a fresh scratch store does
//! not download its toolchains again: one directory laid out as the
//! archive's pool (`XNIX_TEST_DEB_CACHE`, default
//! `/var/cache/xnix-test/debian`), given to xnix as the first Debian mirror
//! (`XNIX_MIRROR_DEBIAN="file://CACHE REAL"`, REAL from the machine's APT
//! sources), so that a `.deb` missing from it still comes from the archive.
//!
//! [`prepare`] fills it once per machine and lock, under a file lock (tests
//! run in parallel): every `.deb` of the pure environment's toolchains and
//! C libraries (pkgs/debian/pure.nix `toolchainDebs`). Others (emulated
//! builds' native roots, Rust) join it through [`fill_from_store`] after a
//! test fetched them. So the suite downloads each `.deb` at most once per
//! machine. The `xnix-test-deb-cache` program does the same for the shell
//! tests (tests/pkgs/*.sh).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fs;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::store_root::workspace_root;

/// The cache's directory.
pub fn dir() -> PathBuf {
    std::env::var_os("XNIX_TEST_DEB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/xnix-test/debian"))
}

/// The Debian mirror list for xnix (`XNIX_MIRROR_DEBIAN`): the cache first,
/// then the archive of this machine's APT sources.
pub fn mirrors() -> String {
    let real = xnix_debian::apt::debian_mirror_from_apt(Path::new("/"))
        .unwrap_or_else(|e| panic!("reading this machine's APT sources: {e}"))
        .expect("this machine's APT sources name a Debian archive");
    format!("file://{} {real}", dir().display())
}

/// Makes sure the cache holds the pure environment's toolchains (see the
/// module's text) and returns the mirror list to give xnix. `xnix` is the
/// xnix binary under test.
pub fn prepare(xnix: &Path) -> String {
    let mirrors = mirrors();
    let cache = dir();
    fs::create_dir_all(&cache)
        .unwrap_or_else(|e| panic!("creating the .deb cache {}: {e}", cache.display()));
    let stamp = cache.join(format!(".complete-{:016x}", locks_digest()));
    if stamp.exists() {
        return mirrors;
    }
    let lock_file = fs::File::create(cache.join(".lock"))
        .unwrap_or_else(|e| panic!("{}: {e}", cache.join(".lock").display()));
    rustix::fs::flock(&lock_file, rustix::fs::FlockOperation::LockExclusive)
        .expect("locking the .deb cache");
    if stamp.exists() {
        return mirrors;
    }
    let scratch = crate::store_root::Scratch::new();
    let expr = format!(
        "(import {}/pkgs/debian/pure.nix {{ }}).toolchainDebs",
        workspace_root().display()
    );
    let out = Command::new(xnix)
        .args(["build", "--no-out-link", "-E", &expr])
        .env("XNIX_STORE_ROOT", scratch.path())
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env("XNIX_MIRROR_DEBIAN", &mirrors)
        .env_remove("XNIX_STATE_DIR")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", xnix.display()));
    assert!(
        out.status.success(),
        "fetching the pure environment's .debs into the cache failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fill_from_store(scratch.path());
    fs::write(&stamp, "").unwrap_or_else(|e| panic!("{}: {e}", stamp.display()));
    mirrors
}

/// The lock files: every `<suite>-<arch>.json` under pkgs/debian (and its
/// suite directories), with their contents.
fn locks() -> Vec<(PathBuf, String)> {
    let base = workspace_root().join("pkgs/debian");
    let mut dirs = vec![base.clone()];
    for entry in fs::read_dir(&base).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            dirs.push(entry.path());
        }
    }
    let mut found = Vec::new();
    for d in dirs {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && name != "roots.json" {
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

/// A digest of the locks and pure.nix: the cache is complete for one lock.
fn locks_digest() -> u64 {
    let mut h = DefaultHasher::new();
    for (path, text) in locks() {
        h.write(path.to_string_lossy().as_bytes());
        h.write(text.as_bytes());
    }
    let pure = workspace_root().join("pkgs/debian/pure.nix");
    h.write(&fs::read(&pure).unwrap_or_default());
    h.finish()
}

/// Copies every locked `.deb` present in the store under `store_root`
/// (store directory /xnix/store) into the cache, at its pool path.
pub fn fill_from_store(store_root: &Path) {
    let store = store_root.join("xnix/store");
    // The store's `.deb`s by name (without the hash part).
    let mut in_store = HashMap::new();
    for entry in fs::read_dir(&store).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((_, rest)) = name.split_once('-') {
            if rest.ends_with(".deb") {
                in_store.insert(rest.to_string(), entry.path());
            }
        }
    }
    if in_store.is_empty() {
        return;
    }
    let cache = dir();
    for (path, text) in locks() {
        let lock: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for e in lock["packages"].as_array().into_iter().flatten() {
            let field = |k: &str| e[k].as_str().unwrap_or_default();
            // As pkgs/debian/default.nix names the fixed-output path.
            let name = format!(
                "{}_{}_{}.deb",
                field("package"),
                field("version"),
                field("architecture")
            )
            .replace([':', '~'], "-");
            let Some(found) = in_store.get(&name) else {
                continue;
            };
            let dest = cache.join(field("filename"));
            if dest.exists() {
                continue;
            }
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
            }
            // Written aside, then renamed: a reader never sees half a file.
            let tmp = dest.with_extension(format!("part{}", std::process::id()));
            fs::copy(found, &tmp).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
            fs::rename(&tmp, &dest).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
        }
    }
}

/// Points `cmd`, a run of the xnix binary `xnix`, at the cache (filled
/// first if it is not yet): sets `XNIX_MIRROR_DEBIAN`.
pub fn configure<'a>(cmd: &'a mut Command, xnix: &Path) -> &'a mut Command {
    cmd.env("XNIX_MIRROR_DEBIAN", prepare(xnix))
}
