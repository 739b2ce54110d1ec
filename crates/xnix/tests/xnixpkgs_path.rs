//! `<xnixpkgs>` names the package collection in every evaluating command, as a
//! fallback that `-I` and `NIX_PATH` override and that `builtins.nixPath` does
//! not list (as Nix's own `<nix/...>` files).

use std::process::Command;

fn xnix_eval(args: &[&str], nix_path: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .arg("eval")
        .args(args)
        .env("NIX_PATH", nix_path)
        .env_remove("XNIX_PKGS")
        .output()
        .expect("run xnix");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn xnixpkgs_is_the_package_collection() {
    let (ok, out, err) = xnix_eval(
        &[
            "-E",
            "(import <xnixpkgs> { }).hello.pname or (import <xnixpkgs> { }).hello.name",
        ],
        "",
    );
    assert!(ok, "stderr: {err}");
    assert!(out.starts_with("\"hello"), "got {out}");
}

#[test]
fn xnixpkgs_is_not_listed_in_nix_path() {
    let (ok, out, err) = xnix_eval(&["-E", "builtins.nixPath"], "");
    assert!(ok, "stderr: {err}");
    assert_eq!(out, "[ ]\n");
}

#[test]
fn include_and_nix_path_override_xnixpkgs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.nix"), "{ ... }: { marker = 42; }").unwrap();
    let spec = format!("xnixpkgs={}", dir.path().display());
    let expr = "(import <xnixpkgs> { }).marker";
    let (ok, out, err) = xnix_eval(&["-I", &spec, "-E", expr], "");
    assert!(ok, "stderr: {err}");
    assert_eq!(out, "42\n");
    let (ok, out, err) = xnix_eval(&["-E", expr], &spec);
    assert!(ok, "stderr: {err}");
    assert_eq!(out, "42\n");
}

#[test]
fn repl_loads_xnixpkgs_by_search_path_name() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .arg("repl")
        .env("NIX_PATH", "")
        .env_remove("XNIX_PKGS")
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run xnix repl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b":l <xnixpkgs>\nbuiltins.length (builtins.attrNames pkgsCross)\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Added "), "stdout: {stdout}");
    // One pkgsCross attribute per catalogue entry.
    let names = xnix_platform::catalogue().count();
    assert!(
        stdout.lines().any(|l| l.trim() == names.to_string()),
        "expected {names} pkgsCross names, stdout: {stdout}"
    );
}
