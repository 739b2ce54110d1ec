//! `xnix build --check` on a scratch store: a derivation that writes the
//! same bytes every time passes the check; one that writes a fresh random
//! value each build fails it, naming the output, while its valid output
//! stays as it was; with --keep-failed the rebuilt output is kept beside
//! the valid one as `<output>.check`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn xnix(root: &Path, args: &[&str]) -> Output {
    Command::new(XNIX)
        .args(args)
        .env("XNIX_STORE_ROOT", root)
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env_remove("XNIX_STATE_DIR")
        .env_remove("NIX_PATH")
        .output()
        .expect("running xnix")
}

fn ok(root: &Path, args: &[&str]) -> String {
    let o = xnix(root, args);
    assert!(
        o.status.success(),
        "xnix {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// A derivation whose builder writes `script`'s output to $out.
fn drv(name: &str, script: &str) -> String {
    format!(
        "derivation {{ name = \"{name}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; \
         args = [ \"-c\" \"{script} > $out\" ]; }}"
    )
}

fn real(root: &Path, logical: &str) -> PathBuf {
    root.join(logical.trim_start_matches('/'))
}

#[test]
fn check_rebuilds_and_reports_outputs_that_differ() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    let same = drv("same", "echo the same bytes");
    let built = ok(root, &["build", "--no-out-link", "-E", &same]);
    let checked = ok(root, &["build", "--no-out-link", "--check", "-E", &same]);
    assert_eq!(checked, built);

    let random = drv("random", "cat /proc/sys/kernel/random/uuid");
    let built = ok(root, &["build", "--no-out-link", "-E", &random]);
    let before = fs::read_to_string(real(root, &built)).unwrap();
    // Without --check a valid output is not built again.
    assert_eq!(ok(root, &["build", "--no-out-link", "-E", &random]), built);

    let o = xnix(root, &["build", "--no-out-link", "--check", "-E", &random]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("may not be deterministic"), "{err}");
    assert!(err.contains(&format!("output '{built}' differs")), "{err}");
    assert_eq!(fs::read_to_string(real(root, &built)).unwrap(), before);
    let check = real(root, &format!("{built}.check"));
    assert!(!check.exists());

    let o = xnix(
        root,
        &[
            "build",
            "--no-out-link",
            "--check",
            "--keep-failed",
            "-E",
            &random,
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains(&check.display().to_string()), "{err}");
    let rebuilt = fs::read_to_string(&check).unwrap();
    assert_ne!(rebuilt, before);
    assert_eq!(rebuilt.len(), before.len(), "{rebuilt} vs {before}");
    // The valid output and the store's record of it are unchanged.
    assert_eq!(fs::read_to_string(real(root, &built)).unwrap(), before);
    ok(root, &["store", "verify"]);
}
