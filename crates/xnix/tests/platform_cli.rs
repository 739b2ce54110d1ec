//! `xnix platforms` and `xnix platform ...` as a user runs them, checked
//! against nixpkgs' answers in `shared/oracle/platforms`.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Map, Value};

fn xnix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xnix"))
        .args(args)
        .output()
        .expect("run the xnix binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn oracle_examples() -> Value {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/oracle/platforms/examples.json"
    ));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the oracle {} is missing ({e}); it must sit beside the repository",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("examples.json is JSON")
}

/// The oracle's value with failing attributes (`{"__error__": ...}`) removed,
/// as `--json` leaves them out.
fn without_errors(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) if m.contains_key("__error__") => None,
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                if let Some(y) = without_errors(x) {
                    out.insert(k.clone(), y);
                }
            }
            Some(Value::Object(out))
        }
        other => Some(other.clone()),
    }
}

#[test]
fn show_json_matches_nixpkgs_for_catalogue_names() {
    let examples = oracle_examples();
    for name in [
        "gnu64",
        "raspberryPi",
        "arm-embedded",
        "x86_64-windows",
        "wasi32",
        "mips64el-linux-gnuabin32",
    ] {
        let out = xnix(&["platform", "show", name, "--json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let got: Value =
            serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        let want = without_errors(&examples[name]["elaborated"]).unwrap();
        assert_eq!(got, want, "{name}: --json differs from nixpkgs");
    }
}

#[test]
fn show_json_keys_are_sorted_like_nix() {
    let out = xnix(&["platform", "show", "aarch64-linux", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(got["config"], "aarch64-unknown-linux-gnu");
}

#[test]
fn show_readable_summary_starts_with_the_essentials() {
    let out = xnix(&["platform", "show", "aarch64-multiplatform"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "config",
        "aarch64-unknown-linux-gnu",
        "system",
        "aarch64-linux",
        "libc",
        "glibc",
        "emulator",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let failing = stdout(&xnix(&["platform", "show", "arm-embedded"]));
    assert!(failing.contains("extensions.library"), "{failing}");
}

#[test]
fn bad_input_fails_with_the_nixpkgs_message_and_a_suggestion() {
    let out = xnix(&["platform", "show", "armv7-unknown-linux-gnueabihf"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("Unknown CPU type: armv7"), "{err}");
    assert!(err.contains("armv7l") && err.contains("armv7a"), "{err}");
    assert!(stdout(&out).is_empty());

    let out = xnix(&["platform", "show", "wasm64-unknown-none", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("system string 'wasm64-unknown-none' with 3 components is ambiguous")
    );

    let out = xnix(&[
        "platform",
        "can-execute",
        "x86_64-linux",
        "x86_64-unknown-freebsd14",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Unknown kernel: freebsd14"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn can_execute_prints_true_or_false() {
    let yes = xnix(&["platform", "can-execute", "x86_64-linux", "i686-linux"]);
    assert!(yes.status.success());
    assert_eq!(stdout(&yes), "true\n");
    let no = xnix(&["platform", "can-execute", "i686-linux", "x86_64-linux"]);
    assert!(no.status.success());
    assert_eq!(stdout(&no), "false\n");
    // Catalogue names work too; nixpkgs' matrix says gnu64 cannot run ARM.
    assert_eq!(
        stdout(&xnix(&["platform", "can-execute", "gnu64", "raspberryPi"])),
        "false\n"
    );
}

#[test]
fn platforms_lists_the_whole_catalogue() {
    let examples = oracle_examples();
    let out = xnix(&["platforms", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), examples.as_object().unwrap().len());
    for item in list {
        let name = item["name"].as_str().unwrap();
        let e = &examples[name]["elaborated"];
        assert_eq!(item["triple"], e["config"], "{name}");
        assert_eq!(item["double"], e["system"], "{name}");
    }
    let table = stdout(&xnix(&["platforms"]));
    assert!(table.starts_with("NAME"), "{table}");
    let line = table
        .lines()
        .find(|l| l.starts_with("raspberryPi "))
        .expect("raspberryPi row");
    assert!(
        line.contains("armv6l-unknown-linux-gnueabihf") && line.ends_with("armv6l-linux"),
        "{line}"
    );
}

#[test]
fn every_command_documents_examples() {
    for args in [
        &["platforms", "--help"][..],
        &["platform", "--help"],
        &["platform", "show", "--help"],
        &["platform", "can-execute", "--help"],
    ] {
        let out = xnix(args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            stdout(&out).contains("Examples:"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
}
