//! Search path names: `<xnixpkgs>` names the package collection in every
//! evaluating command, as a fallback that `-I` and `NIX_PATH` override and
//! that `builtins.nixPath` does not list (as Nix's own `<nix/...>` files);
//! FILE arguments may be `<NAME>`, as in nix-build.

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
    let stderr = String::from_utf8_lossy(&out.stderr);
    // As nix repl, notices such as "Added N variables." go to standard error.
    assert!(stderr.contains("Added "), "stderr: {stderr}");
    // One pkgsCross attribute per catalogue entry.
    let names = xnix_platform::catalogue().count();
    assert!(
        stdout.lines().any(|l| l.trim() == names.to_string()),
        "expected {names} pkgsCross names, stdout: {stdout}"
    );
}

/// A FILE argument written `<NAME>` is looked up in the search path, as
/// nix-instantiate and nix-build do (`xnix build '<xnixpkgs>' -A hello`):
/// the same output as Nix for a found name, the same error for a missing one.
#[test]
fn file_arguments_in_angle_brackets_use_the_search_path_as_nix_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/default.nix"),
        "{ x ? 1 }: { y = x * 10; z = \"s\"; }",
    )
    .unwrap();
    let spec = format!("here={}", dir.path().display());
    let run = |program: &str, first: &[&str], rest: &[&str]| {
        let out = Command::new(program)
            .args(first)
            .args(["-I", &spec])
            .args(rest)
            .env("NIX_PATH", "")
            .env_remove("XNIX_PKGS")
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {program} (installed by the test command): {e}")
            });
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let first_line = stderr.lines().next().unwrap_or("").to_string();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            first_line,
        )
    };
    for args in [
        &["<here/sub>", "--arg", "x", "4", "-A", "y"][..],
        &["<here/sub>", "-A", "z"],
        // A function is called along an -A path, but the printed value only
        // with --arg/--argstr: these print <LAMBDA>, then the called set.
        &["<here/sub>"],
        &["<here/sub>", "--strict"],
        &["<here/sub>", "--arg", "x", "2", "--strict"],
        &["<missing>"],
        &["<here/nothing-here>"],
    ] {
        let nix = run("nix-instantiate", &["--eval"], args);
        let xnix = run(env!("CARGO_BIN_EXE_xnix"), &["eval"], args);
        assert_eq!(xnix, nix, "for {args:?}");
    }
    let (ok, out, _) = run("nix-instantiate", &["--eval"], &["<here/sub>", "-A", "y"]);
    assert!(ok && out == "10\n", "the reference itself must work: {out}");
}
