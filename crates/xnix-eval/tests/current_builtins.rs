//! Builtins Nix 2.8 lacks (so the recorded corpus cannot hold them), with the results
//! current Nix gives: `readFileType`, `convertHash`, `warn`, `traceVerbose`,
//! `addDrvOutputDependencies`.

use xnix_eval::{print_value, with_big_stack, Evaluator};

fn eval_strict(src: String) -> Result<String, String> {
    with_big_stack(move || {
        let ev = Evaluator::new();
        let r = ev.eval_expr(&src, "/").and_then(|v| ev.force_deep(v));
        r.map(|v| print_value(&v))
            .map_err(|e| e.message().to_string())
    })
}

fn ok(src: &str, expected: &str) {
    assert_eq!(
        eval_strict(src.to_string()),
        Ok(expected.to_string()),
        "for {src}"
    );
}

fn err(src: &str, expected: &str) {
    match eval_strict(src.to_string()) {
        Err(m) => assert!(
            m.contains(expected),
            "for {src}: error {m:?} lacks {expected:?}"
        ),
        Ok(v) => panic!("for {src}: expected an error, got {v}"),
    }
}

#[test]
fn read_file_type_names_the_entry_itself() {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let d = dir.path().display();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    std::os::unix::fs::symlink("file", dir.path().join("link")).unwrap();
    ok(
        &format!("map builtins.readFileType [ {d} {d}/file {d}/link /dev/null ]"),
        r#"[ "directory" "regular" "symlink" "unknown" ]"#,
    );
    err(
        &format!("builtins.readFileType {d}/missing"),
        "getting status of",
    );
}

/// The empty string's sha256 in each format.
const B16: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const N32: &str = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";
const B64: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

#[test]
fn convert_hash_between_every_format() {
    for (from, algo) in [
        (format!("sha256-{B64}"), "null"),
        (format!("sha256:{N32}"), "null"),
        (B16.to_string(), "\"sha256\""),
        (N32.to_string(), "\"sha256\""),
    ] {
        for (format, want) in [
            ("base16", B16.to_string()),
            ("nix32", N32.to_string()),
            ("base32", N32.to_string()),
            ("base64", B64.to_string()),
            ("sri", format!("sha256-{B64}")),
        ] {
            ok(
                &format!(
                    r#"builtins.convertHash {{ hash = "{from}"; hashAlgo = {algo}; toHashFormat = "{format}"; }}"#
                ),
                &format!("\"{want}\""),
            );
        }
    }
    err(
        &format!(r#"builtins.convertHash {{ hash = "{B16}"; toHashFormat = "sri"; }}"#),
        "does not include a type",
    );
    err(
        &format!(r#"builtins.convertHash {{ hash = "sha256:{B16}"; toHashFormat = "hex"; }}"#),
        "unknown hash format 'hex'",
    );
    err(
        r#"builtins.convertHash { hash = "x"; }"#,
        "attribute 'toHashFormat' missing",
    );
}

#[test]
fn warn_and_trace_verbose_return_their_value() {
    ok(r#"builtins.warn "careful" [ 1 ]"#, "[ 1 ]");
    err(
        "builtins.warn 1 2",
        "value is an integer while a string was expected",
    );
    ok(r#"builtins.traceVerbose (throw "not evaluated") 2"#, "2");
    ok(
        r#"builtins ? warn && builtins ? readFileType && builtins ? convertHash"#,
        "true",
    );
}

#[test]
fn add_drv_output_dependencies_widens_a_derivation_context() {
    let drv = r#"(derivation { name = "a"; builder = "/bin/sh"; system = "x"; })"#;
    ok(
        &format!(
            "builtins.attrValues (builtins.getContext (builtins.addDrvOutputDependencies {drv}.drvPath))"
        ),
        "[ { allOutputs = true; } ]",
    );
    err(
        &format!("builtins.addDrvOutputDependencies {drv}.outPath"),
        "not on a derivation output such as 'out'",
    );
    err(
        r#"builtins.addDrvOutputDependencies "plain""#,
        "must have exactly one element, but has 0",
    );
}
