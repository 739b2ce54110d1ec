//! `builtins.fetchurl` and `builtins.fetchTarball` at evaluation time: the
//! evaluator computes the fixed-output path from the declared hash, and
//! `xnix build` downloads, verifies and registers the content before the
//! builds that use it; a wrong hash is an error with both hashes in SRI form
//! and registers nothing. Downloads come from `file://` URLs in a scratch dir.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn xnix(dir: &Path, args: &[&str]) -> Output {
    Command::new(XNIX)
        .args(args)
        .current_dir(dir)
        .env("XNIX_STORE_ROOT", dir.join("root"))
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env_remove("XNIX_STATE_DIR")
        .env_remove("NIX_PATH")
        .output()
        .expect("running xnix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The SHA-256 of a file's bytes (`flat`) or of a tree's NAR, in SRI form.
fn sri(dir: &Path, path: &Path, flat: bool) -> String {
    let mut args = vec!["store", "hash", "--to", "sri"];
    if flat {
        args.push("--flat");
    }
    let path = path.to_str().unwrap();
    args.push(path);
    let o = xnix(dir, &args);
    assert!(o.status.success(), "store hash: {}", text(&o.stderr));
    text(&o.stdout).trim().to_string()
}

fn expr(url: &str, hash: &str, fetcher: &str) -> String {
    format!(
        r#"derivation {{
  name = "uses-download";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "cat ${{builtins.{fetcher} {{ url = "{url}"; sha256 = "{hash}"; }}}}{suffix} > $out" ];
}}"#,
        suffix = if fetcher == "fetchTarball" {
            "/inner.txt"
        } else {
            ""
        }
    )
}

#[test]
fn fetchurl_result_is_downloaded_before_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.txt");
    fs::write(&file, "downloaded payload\n").unwrap();
    let url = format!("file://{}", file.display());
    let hash = sri(dir.path(), &file, true);

    let o = xnix(
        dir.path(),
        &[
            "build",
            "--no-out-link",
            "-E",
            &expr(&url, &hash, "fetchurl"),
        ],
    );
    assert!(o.status.success(), "build failed: {}", text(&o.stderr));
    let out = text(&o.stdout).trim().to_string();
    let real = dir.path().join("root").join(out.trim_start_matches('/'));
    assert_eq!(fs::read_to_string(real).unwrap(), "downloaded payload\n");
}

#[test]
fn fetchurl_with_a_wrong_hash_fails_and_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.txt");
    fs::write(&file, "the real content\n").unwrap();
    let other = dir.path().join("other.txt");
    fs::write(&other, "something else\n").unwrap();
    let url = format!("file://{}", file.display());
    let wrong = sri(dir.path(), &other, true);
    let right = sri(dir.path(), &file, true);

    let o = xnix(
        dir.path(),
        &[
            "build",
            "--no-out-link",
            "-E",
            &expr(&url, &wrong, "fetchurl"),
        ],
    );
    assert!(!o.status.success(), "a wrong hash must fail");
    let err = text(&o.stderr);
    assert!(
        err.contains(&wrong) && err.contains(&right),
        "both hashes in SRI form expected: {err}"
    );
    let o = xnix(dir.path(), &["store", "verify"]);
    assert!(o.status.success(), "verify: {}", text(&o.stderr));
    let store = dir.path().join("root/xnix/store");
    let leftovers: Vec<_> = fs::read_dir(&store)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !leftovers
            .iter()
            .any(|n| n.to_string_lossy().ends_with("payload.txt")),
        "nothing may be left in the store, found {leftovers:?}"
    );
}

#[test]
fn fetch_tarball_is_unpacked_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree/pkg-1.0");
    fs::create_dir_all(&tree).unwrap();
    fs::write(tree.join("inner.txt"), "from the tarball\n").unwrap();
    let tarball = dir.path().join("pkg.tar.gz");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.path().join("tree"))
        .arg("pkg-1.0")
        .status()
        .unwrap();
    assert!(st.success());
    // The declared hash is the NAR hash of the unpacked top-level directory.
    let hash = sri(dir.path(), &tree, false);
    let url = format!("file://{}", tarball.display());

    let o = xnix(
        dir.path(),
        &[
            "build",
            "--no-out-link",
            "-E",
            &expr(&url, &hash, "fetchTarball"),
        ],
    );
    assert!(o.status.success(), "build failed: {}", text(&o.stderr));
    let out = text(&o.stdout).trim().to_string();
    let real = dir.path().join("root").join(out.trim_start_matches('/'));
    assert_eq!(fs::read_to_string(real).unwrap(), "from the tarball\n");
}
