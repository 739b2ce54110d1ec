//! Every double of nixpkgs' `lib.systems.doubles.all` (from `shared/nixpkgs-lib`) elaborates
//! in xnix as nixpkgs elaborates it under Nix 2.8: `xnix platform show DOUBLE --json` against
//! nixpkgs' `lib.systems.elaborate DOUBLE` with functions shown as `"<function>"`, attribute by
//! attribute. This covers doubles outside the oracle's sample (the catalogue), such as those whose
//! definition pins an ABI (64-bit big-endian PowerPC).
//!
//! Some attributes fail in nixpkgs itself, with errors that Nix 2.8's `tryEval` cannot catch
//! (a missing attribute). They are found by evaluating each attribute on its own; xnix must leave
//! such an attribute out of `--json` or give it a value, and they are counted, not compared.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn nixpkgs_lib() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/nixpkgs-lib/lib"
    ))
}

/// `expr` (which may use `lib`, `strip` and `elaborate`) evaluated strictly by Nix 2.8 as
/// JSON, or `None` if Nix fails.
fn nix_json(expr: &str) -> Option<Value> {
    let prelude = format!(
        r#"let
  lib = import {lib};
  ok = x: (builtins.tryEval (builtins.deepSeq x true)).success;
  strip = v:
    if builtins.isFunction v then "<function>"
    else if builtins.isAttrs v then
      builtins.listToAttrs (builtins.concatMap
        (n: let x = v.${{n}}; in if ok x then [ {{ name = n; value = strip x; }} ] else [ ])
        (builtins.attrNames v))
    else if builtins.isList v then map strip v
    else v;
  elaborate = d: builtins.removeAttrs (lib.systems.elaborate d) [ "_withoutFunctions" ];
in "#,
        lib = nixpkgs_lib().display()
    );
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E"])
        .arg(format!("{prelude}{expr}"))
        .env("NIX_CONFIG", xnix_test_support::NIX_CONF)
        .env_remove("NIX_PATH")
        .output()
        .expect("run nix-instantiate (Nix 2.8 is the reference)");
    if !out.status.success() {
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("nix-instantiate --json prints JSON"))
}

fn xnix_show(double: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
        // As a JSON `system`, so that a double that is also a catalogue name
        // (`x86_64-windows`) is read as the double, as `lib.systems.elaborate "DOUBLE"` does.
        .args([
            "platform",
            "show",
            &format!("{{\"system\":\"{double}\"}}"),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xnix platform show {double} --json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{double}: not JSON: {e}"))
}

#[test]
fn every_nixpkgs_double_elaborates_as_nixpkgs_does() {
    let doubles: Vec<String> = serde_json::from_value(
        nix_json("lib.systems.doubles.all").expect("Nix evaluates lib.systems.doubles.all"),
    )
    .unwrap();
    assert!(doubles.len() > 50, "{doubles:?}");
    assert!(doubles.iter().any(|d| d == "powerpc64-linux"));

    // The attribute names nixpkgs gives a platform, without the functions (xnix leaves
    // functions out of --json).
    let names: Vec<String> = serde_json::from_value(
        nix_json(
            "let p = elaborate \"x86_64-linux\"; in \
             builtins.filter (n: !(builtins.isFunction p.${n})) (builtins.attrNames p)",
        )
        .unwrap(),
    )
    .unwrap();

    let ours: BTreeMap<&str, Value> = doubles.iter().map(|d| (d.as_str(), xnix_show(d))).collect();
    let list = doubles
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(" ");

    let mut compared = 0;
    let mut failing_in_nixpkgs = Vec::new();
    let mut differences = Vec::new();
    let mut compare = |double: &str, name: &str, want: Option<&Value>| {
        let got = ours[double].get(name);
        match (got, want) {
            (Some(g), Some(w)) if g == w => compared += 1,
            (None, None) => compared += 1,
            (g, w) => differences.push(format!(
                "{double}.{name}: xnix {} nixpkgs {}",
                g.map_or("(absent)".into(), |v| v.to_string()),
                w.map_or("(absent or failing)".into(), |v| v.to_string())
            )),
        }
    };
    for name in &names {
        // One Nix run per attribute for all doubles; an attribute that is left out when it
        // fails (tryEval) comes back as null-free absence.
        let all = nix_json(&format!(
            "builtins.listToAttrs (builtins.concatMap (d: let p = elaborate d; x = p.{name}; in \
             if ok x then [ {{ name = d; value = strip x; }} ] else [ ]) [ {list} ])"
        ));
        match all {
            Some(Value::Object(by_double)) => {
                for d in &doubles {
                    compare(d, name, by_double.get(d));
                }
            }
            _ => {
                // Some double's attribute fails uncatchably: one run per double.
                for d in &doubles {
                    match nix_json(&format!(
                        "let x = (elaborate \"{d}\").{name}; in if ok x then [ (strip x) ] else [ ]"
                    )) {
                        Some(Value::Array(v)) => compare(d, name, v.first()),
                        _ => failing_in_nixpkgs.push(format!("{d}.{name}")),
                    }
                }
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} attribute(s) differ from nixpkgs ({compared} agree):\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(compared > doubles.len() * 50, "{compared}");
    eprintln!(
        "{} doubles, {compared} attributes agree; failing in nixpkgs itself: {failing_in_nixpkgs:?}",
        doubles.len()
    );
}
