//! Two machines with the same lock, one binary cache: a C program built in
//! the pure environment (pkgs/debian/pure.nix: the lock's gcc, binutils and
//! C library) in store A is pushed to a signed `file://` cache; a fresh
//! store B, under another root, asks for the same attribute with that cache
//! as its substituter and gets it without building anything: the same
//! derivation and output paths (they come from the lock's `.deb` hashes,
//! not from either machine), the same NAR hashes, the program's closure
//! (its C library) substituted with it, and neither the compiler's root nor
//! any `.deb` fetched into B.
//!
//! The `.deb` files come through the machine-wide cache of the pure-build
//! tests (XNIX_TEST_DEB_CACHE, default /var/cache/xnix-test/debian) first,
//! then the Debian archive of this machine's APT sources.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn pkgs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs")
}

/// One machine: a store with the logical directory /xnix/store under its
/// own root.
struct Machine {
    root: PathBuf,
}

impl Machine {
    fn xnix(&self, args: &[&str]) -> Output {
        Command::new(XNIX)
            .args(args)
            .env("XNIX_STORE_ROOT", &self.root)
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env(
                "XNIX_MIRROR_DEBIAN",
                xnix_test_support::deb_cache::mirrors(),
            )
            .env_remove("XNIX_STATE_DIR")
            .env_remove("XNIX_SUBSTITUTERS")
            .env_remove("XNIX_TRUSTED_PUBLIC_KEYS")
            .output()
            .unwrap()
    }

    /// Runs xnix, which must succeed; its standard output and error.
    fn ok(&self, args: &[&str]) -> (String, String) {
        let o = self.xnix(args);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "xnix {args:?}:\n{out}{err}");
        (out, err)
    }

    /// Path and NAR hash of each path of `paths`' closures.
    fn nar_hashes(&self, paths: &[&str]) -> Vec<(String, String)> {
        let mut args = vec!["path-info", "--json", "-r"];
        args.extend(paths);
        let v: serde_json::Value = serde_json::from_str(&self.ok(&args).0).unwrap();
        let mut all: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["path"].as_str().unwrap().to_string(),
                    p["narHash"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        all.sort();
        all
    }

    /// A string the expression `expr` evaluates to.
    fn eval_string(&self, expr: &str) -> String {
        let (out, _) = self.ok(&["eval", "--json", "-E", expr]);
        serde_json::from_str::<String>(out.trim()).unwrap()
    }

    fn is_valid(&self, path: &str) -> bool {
        self.xnix(&["path-info", path]).status.success()
    }

    /// Every entry of the store directory (valid or not).
    fn store_entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.join("xnix/store"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

#[test]
fn a_fresh_store_substitutes_a_pure_build_instead_of_building() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let a = Machine {
        root: work.path().join("machine-a"),
    };
    let b = Machine {
        root: work.path().join("machine-b"),
    };
    // A C program compiled by the lock's native gcc in a root of locked
    // `.deb`s, linked against the lock's C library.
    let expr = format!(
        "(import {}/debian/pure.nix {{ }}).hello {{ target = \"x86_64\"; name = \"hello-substituted\"; }}",
        pkgs().display()
    );
    let root_expr = format!(
        "(import {}/debian/pure.nix {{ }}).root {{ target = \"x86_64\"; }}",
        pkgs().display()
    );

    // Machine A builds it.
    let (out, err) = a.ok(&["build", "--no-out-link", "-E", &expr]);
    let hello = out.trim().to_string();
    assert!(err.contains("building '"), "A built nothing?\n{err}");
    let root = a.eval_string(&format!("({root_expr}).outPath"));
    assert!(a.is_valid(&root), "A's build ran in the lock's root {root}");
    let drv_a = a.eval_string(&format!("({expr}).drvPath"));

    // ... signs it and pushes its closure to a binary cache.
    let key = work.path().join("key");
    let (sk, pk) = (key.with_extension("sec"), key.with_extension("pub"));
    a.ok(&[
        "store",
        "generate-key",
        "machine-a-1",
        sk.to_str().unwrap(),
        pk.to_str().unwrap(),
    ]);
    let pk = std::fs::read_to_string(&pk).unwrap();
    let cache = format!("file://{}", work.path().join("cache").display());
    a.ok(&[
        "copy",
        "--to",
        &cache,
        "--sign-key",
        sk.to_str().unwrap(),
        &hello,
    ]);

    // Machine B, fresh, with that cache: the same paths, nothing built.
    let drv_b = b.eval_string(&format!("({expr}).drvPath"));
    assert_eq!(
        drv_b, drv_a,
        "the derivation is the lock's, not the machine's"
    );
    let (out, err) = b.ok(&[
        "build",
        "--no-out-link",
        "-E",
        &expr,
        "--substituters",
        &cache,
        "--trusted-key",
        pk.trim(),
    ]);
    assert_eq!(out.trim(), hello);
    assert!(
        err.contains(&format!("copying path '{hello}' from '{cache}'")),
        "{err}"
    );
    assert!(!err.contains("building '"), "B built:\n{err}");
    // Neither the compiler's root nor any `.deb` came to B: only the
    // program and what it needs at run time.
    assert!(!b.is_valid(&root), "B fetched the toolchain root {root}");
    let debs: Vec<String> = b
        .store_entries()
        .into_iter()
        .filter(|n| n.ends_with(".deb"))
        .collect();
    assert!(debs.is_empty(), "B fetched .debs: {debs:?}");
    // The same bytes, the C library of the closure included.
    let closure_a = a.nar_hashes(&[&hello]);
    let closure_b = b.nar_hashes(&[&hello]);
    assert_eq!(closure_b, closure_a);
    assert!(
        closure_b
            .iter()
            .any(|(p, _)| p.ends_with("-debian-bookworm-amd64-libc")),
        "the closure carries the lock's C library: {closure_b:?}"
    );
    b.ok(&["store", "verify", "--check-contents"]);
}
