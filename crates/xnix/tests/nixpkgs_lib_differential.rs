//! nixpkgs' own lib (`../shared/nixpkgs-lib`), evaluated broadly by xnix and by Nix 2.8, the
//! outputs compared byte for byte (`--eval --strict --json`):
//!
//! - `tests/nixpkgs-lib/inventory.nix`: every attribute of the lib and of its sub-libraries,
//!   by type (what loading the whole lib gives);
//! - `tests/nixpkgs-lib/calls.nix`: a broad sample of calls into its function library
//!   (lists, strings, attribute sets, fixed points, versions, generators, paths, types,
//!   options), `lib.systems` (every catalogue entry elaborated), and `evalModules`.
//!
//! `evalModules` over the module corpus is compared the same way in modules_differential.rs;
//! every double's elaboration in platform_doubles.rs.

use std::process::Command;
use xnix_test_support::store_root::workspace_root;

fn expr(file: &str) -> String {
    let lib = workspace_root().join("../shared/nixpkgs-lib/lib");
    assert!(
        lib.join("default.nix").exists(),
        "nixpkgs' lib is not at {}: the test needs ../shared beside the repository",
        lib.display()
    );
    format!(
        "import ./tests/nixpkgs-lib/{file} (import {})",
        lib.display()
    )
}

fn nix(expr: &str) -> Vec<u8> {
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new("nix-instantiate")
        .current_dir(workspace_root())
        .args([
            "--eval",
            "--strict",
            "--json",
            "--readonly-mode",
            "-E",
            expr,
        ])
        .env("NIX_CONFIG", xnix_test_support::NIX_CONF)
        .env("HOME", scratch.path())
        .env("NIX_PATH", "")
        .output()
        .expect("run nix-instantiate (Nix 2.8 is the reference)");
    assert!(
        out.status.success(),
        "Nix 2.8 fails on {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn xnix(expr: &str) -> Vec<u8> {
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .current_dir(workspace_root())
        .args(["eval", "--strict", "--json", "-E", expr])
        .env("XNIX_STORE_DIR", "/nix/store")
        .env("XNIX_STORE_ROOT", scratch.path())
        .env("HOME", scratch.path())
        .env("NIX_PATH", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xnix fails on {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Where two JSON values first differ, by attribute path, for the failure message.
fn differences(
    nix: &serde_json::Value,
    ours: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
) {
    use serde_json::Value::{Array, Object};
    match (nix, ours) {
        (Object(a), Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let (x, y) = (&a.get(key), &b.get(key));
                match (x, y) {
                    (Some(x), Some(y)) => differences(x, y, &format!("{path}.{key}"), out),
                    _ => out.push(format!("{path}.{key}: Nix {x:?}, xnix {y:?}")),
                }
            }
        }
        (Array(a), Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (x, y) if x != y => out.push(format!("{path}: Nix {x}, xnix {y}")),
        _ => {}
    }
}

fn same_as_nix(file: &str) {
    let e = expr(file);
    let (want, got) = (nix(&e), xnix(&e));
    if want == got {
        return;
    }
    let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).expect("JSON output");
    let mut diffs = Vec::new();
    differences(&parse(&want), &parse(&got), "", &mut diffs);
    panic!(
        "{file}: xnix's output differs from Nix 2.8's ({} place(s)):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn the_whole_lib_loads_with_the_same_attributes_and_types() {
    same_as_nix("inventory.nix");
}

#[test]
fn lib_functions_give_nix_results() {
    same_as_nix("calls.nix");
}
