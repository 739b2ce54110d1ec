//! Compare the library with nixpkgs' own answers in `shared/oracle/platforms`.

use std::path::PathBuf;

use serde_json::{Map, Value};
use xnix_platform::{catalogue, elaborate, resolve, Parsed};

fn oracle(file: &str) -> Value {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/oracle/platforms"
    ));
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the oracle file {} is missing ({e}); these tests need shared/oracle/platforms beside the repository", path.display())
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Split the oracle's elaborated value into the value without failing
/// attributes and the list of failing attribute paths with their messages.
fn split_errors(v: &Value, path: &str, errors: &mut Vec<(String, String)>) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if let Some(e) = m.get("__error__") {
                errors.push((path.to_string(), e.as_str().unwrap_or_default().to_string()));
                return None;
            }
            let mut out = Map::new();
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if let Some(y) = split_errors(x, &p, errors) {
                    out.insert(k.clone(), y);
                }
            }
            Some(Value::Object(out))
        }
        other => Some(other.clone()),
    }
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => diff(&p, v, w, out),
                    None => out.push(format!("{p}: missing here, expected {v}")),
                }
            }
            for k in y.keys() {
                if !x.contains_key(k) {
                    out.push(format!("{path}.{k}: unexpected {}", y[k]));
                }
            }
        }
        _ if a != b => out.push(format!("{path}: expected {a}, got {b}")),
        _ => {}
    }
}

fn strip(m: &str) -> &str {
    m.strip_prefix("error: ").unwrap_or(m)
}

#[test]
fn every_catalogue_entry_elaborates_as_in_nixpkgs() {
    let examples = oracle("examples.json");
    let examples = examples.as_object().expect("examples.json is an object");
    let ours: Vec<_> = catalogue().collect();
    assert_eq!(
        ours.len(),
        examples.len(),
        "catalogue size differs from the oracle"
    );
    let mut problems = Vec::new();
    for (name, entry) in examples {
        let mine = ours.iter().find(|e| e.name == name);
        let Some(mine) = mine else {
            problems.push(format!("{name}: not in our catalogue"));
            continue;
        };
        if mine.args != entry["args"] {
            problems.push(format!("{name}: catalogue arguments differ"));
        }
        let platform = match elaborate(&entry["args"]) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{name}: elaborate failed: {e}"));
                continue;
            }
        };
        let mut errors = Vec::new();
        let expected = split_errors(&entry["elaborated"], "", &mut errors).unwrap();
        let mut d = Vec::new();
        diff(name, &expected, &platform.to_json(), &mut d);
        problems.extend(d);
        for (path, msg) in errors {
            match platform.get(&path) {
                Ok(v) => problems.push(format!("{name}.{path}: expected error {msg:?}, got {v}")),
                Err(e) => {
                    if e.nix_message() != strip(&msg) {
                        problems.push(format!(
                            "{name}.{path}: expected error {msg:?}, got {:?}",
                            e.nix_message()
                        ))
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_oracle_triple_parses_or_fails_as_in_nixpkgs() {
    let triples = oracle("triples.json");
    let mut problems = Vec::new();
    for (input, expected) in triples.as_object().expect("triples.json is an object") {
        match (Parsed::from_string(input), expected.get("__error__")) {
            (Ok(p), None) => {
                let mut d = Vec::new();
                diff(input, &expected["parsed"], &p.to_json(), &mut d);
                problems.extend(d);
                if p.double() != expected["double"] {
                    problems.push(format!(
                        "{input}: double {} != {}",
                        p.double(),
                        expected["double"]
                    ));
                }
                if p.triple() != expected["triple"] {
                    problems.push(format!(
                        "{input}: triple {} != {}",
                        p.triple(),
                        expected["triple"]
                    ));
                }
            }
            (Ok(p), Some(e)) => problems.push(format!(
                "{input}: expected error {e}, parsed as {}",
                p.triple()
            )),
            (Err(e), None) => problems.push(format!("{input}: unexpected error {e}")),
            (Err(e), Some(msgs)) => {
                let want = msgs[0].as_str().unwrap_or_default();
                if e.nix_message() != strip(want) {
                    problems.push(format!(
                        "{input}: error {:?}, expected {want:?}",
                        e.nix_message()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn can_execute_matrix_matches_nixpkgs() {
    let matrix = oracle("can-execute.json");
    let matrix = matrix.as_object().expect("can-execute.json is an object");
    let platforms: Vec<(String, xnix_platform::Platform)> = matrix
        .keys()
        .map(|n| (n.clone(), resolve(n).unwrap_or_else(|e| panic!("{n}: {e}"))))
        .collect();
    let mut problems = Vec::new();
    for (a, pa) in &platforms {
        for (b, pb) in &platforms {
            let want = matrix[a][b].as_bool().expect("matrix holds booleans");
            if pa.can_execute(pb) != want {
                problems.push(format!("canExecute({a}, {b}) should be {want}"));
            }
        }
    }
    assert_eq!(platforms.len() * platforms.len(), 92 * 92);
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
