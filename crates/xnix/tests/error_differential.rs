//! Whole error reports, not just their first line, compared with Nix 2.8:
//! the position and source excerpt, the "Did you mean ...?" suggestions for
//! misspelt attributes and arguments, and `--show-trace` contexts.

use std::process::Command;

/// Standard error of `program` run with `args`, which must fail.
fn failing_stderr(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .env("NIX_PATH", "")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (installed by the test command): {e}"));
    assert!(!out.status.success(), "{program} {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn same_report(args: &[&str]) {
    let nix = failing_stderr("nix-instantiate", &[&["--eval"][..], args].concat());
    let xnix = failing_stderr(env!("CARGO_BIN_EXE_xnix"), &[&["eval"][..], args].concat());
    assert_eq!(xnix, nix, "for {args:?}");
}

#[test]
fn misspelt_attributes_and_arguments_get_nixs_suggestions() {
    for expr in [
        "{ hello = 1; hallo = 2; }.helo",
        "{ aaa = 1; aab = 1; aac = 1; aad = 1; aae = 1; aaf = 1; zzz = 1; }.aaz",
        "{ abcdef = 1; }.x",
        "let s = { hello = 1; }; in s.helo.x",
        "({ hello ? 1, abc ? 2 }: hello) { helo = 2; }",
        "{ b = 1; a = 1; \"ä\" = 2; \"a b\" = 3; }.c",
        "builtins.helo",
    ] {
        same_report(&["-E", expr]);
    }
    same_report(&["-E", "{ a = { hello = 1; }; }", "-A", "a.hellp"]);
}

#[test]
fn suggestions_come_before_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.nix");
    std::fs::write(
        &file,
        "let\n  s = { hello = 1; };\n  f = x: x.helo;\nin\n  f s\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    same_report(&["--show-trace", file]);
    let nix = failing_stderr("nix-instantiate", &["--eval", "--show-trace", file]);
    assert!(nix.contains("Did you mean hello?"), "reference: {nix}");
}
