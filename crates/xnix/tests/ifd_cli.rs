//! Import from derivation: `import`, `readFile`, `pathExists` and `hashFile` of a
//! derivation's output build it during evaluation, as Nix does; the values are compared
//! with Nix 2.8's on the same expression. A second evaluation builds nothing; with
//! `allow-import-from-derivation = false` the error names the option; a failing builder
//! is an evaluation error naming the derivation.

use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// A derivation writing a Nix file and a text file; `salt` keeps its store path this
/// test's own (Nix's store is shared).
fn expr(salt: &str) -> String {
    // Shell built-ins only: Nix 2.8 runs the builder without a sandbox or PATH.
    format!(
        r#"let
      gen = name: text: derivation {{
        name = "${{name}}-{salt}"; system = builtins.currentSystem; builder = "/bin/sh";
        args = [ "-c" "echo '${{text}}' > $out" ];
      }};
      d = gen "gen" "{{ x = 42; name = \"made\"; }}";
      t = gen "text" "hi";
    in {{ a = (import d).x; b = builtins.readFile t; c = builtins.pathExists t;
         e = builtins.hashFile "sha256" t; }}"#
    )
}

fn xnix(root: &std::path::Path, args: &[&str]) -> Output {
    Command::new(XNIX)
        .args(args)
        .env("XNIX_STORE_ROOT", root)
        .env("XNIX_STORE_DIR", "/nix/store")
        .env_remove("XNIX_STATE_DIR")
        .env("NIX_PATH", "")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn reading_a_derivation_output_builds_it_as_nix_does() {
    let root = tempfile::tempdir().unwrap();
    let salt = xnix_test_support::unique_salt();
    let e = expr(&salt);
    let first = xnix(root.path(), &["eval", "--strict", "--json", "-E", &e]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains(&format!("gen-{salt}.drv' during evaluation")),
        "the build is announced: {}",
        text(&first.stderr)
    );
    let nix = xnix_test_support::nix_output(
        "nix-instantiate",
        // `--eval` is read-only unless told: the derivation must be written to be built.
        &[
            "--eval",
            "--read-write-mode",
            "--strict",
            "--json",
            "-E",
            &e,
        ],
        "",
    );
    assert!(nix.status.success(), "{}", text(&nix.stderr));
    assert_eq!(text(&first.stdout), text(&nix.stdout));
    assert!(
        text(&first.stdout).starts_with(r#"{"a":42,"b":"hi\n","c":true,"e":"98ea6e4f"#),
        "{}",
        text(&first.stdout)
    );

    // Built once: the second evaluation reads the valid output.
    let again = xnix(root.path(), &["eval", "--strict", "--json", "-E", &e]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), text(&first.stdout));
    assert!(
        !text(&again.stderr).contains("during evaluation"),
        "{}",
        text(&again.stderr)
    );

    // A derivation whose attributes come from a built file builds too.
    let drv = format!(
        r#"let d = derivation {{ name = "gen-{salt}"; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "echo '{{ x = 42; name = \"made\"; }}' > $out" ]; }};
    in derivation {{ name = (import d).name; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "echo ${{toString (import d).x}} > $out" ]; }}"#
    );
    let built = xnix(root.path(), &["build", "--no-out-link", "-E", &drv]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let out = text(&built.stdout);
    assert!(out.trim().ends_with("-made"), "{out}");
    let physical = root.path().join(out.trim().trim_start_matches('/'));
    assert_eq!(std::fs::read_to_string(physical).unwrap(), "42\n");
}

#[test]
fn disabled_or_failing_builds_are_evaluation_errors() {
    let root = tempfile::tempdir().unwrap();
    let salt = xnix_test_support::unique_salt();
    let e = expr(&salt);
    let off = xnix(
        root.path(),
        &[
            "eval",
            "--option",
            "allow-import-from-derivation",
            "false",
            "--strict",
            "-E",
            &e,
        ],
    );
    assert!(!off.status.success());
    let err = text(&off.stderr);
    assert!(
        err.contains("cannot build") && err.contains("'allow-import-from-derivation' is disabled"),
        "{err}"
    );

    let failing = format!(
        r#"import (derivation {{ name = "fails-{salt}"; system = builtins.currentSystem;
          builder = "/bin/sh"; args = [ "-c" "echo broken >&2; exit 3" ]; }})"#
    );
    let out = xnix(root.path(), &["eval", "-E", &failing]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("fails-{salt}.drv")) && err.contains("during evaluation"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
