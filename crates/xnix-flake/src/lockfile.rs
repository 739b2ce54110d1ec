//! `flake.lock`, version 7, read and written byte for byte as Nix writes it: JSON with
//! two-space indentation, keys in byte order, a final newline; nodes named after the input
//! that first reaches them (`name`, then `name_2`, `name_3`, ... on collisions) in a
//! depth-first walk from `root`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value as Json;

use crate::flakeref::{AttrValue, Attrs, FlakeRef};
use crate::FlakeError;

/// The lock file version written; versions 5 to 7 are read (their node format is the same).
pub const LOCK_VERSION: u64 = 7;

/// An input of a node: another node, or a path of input names from the root (`follows`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockedInput {
    /// The index of the node in [`LockFile::nodes`].
    Node(usize),
    /// `follows`: input names from the root flake.
    Follows(Vec<String>),
}

/// One node: the root flake (no `locked`/`original`) or a locked input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// What the input resolved to, with its content pinned.
    pub locked: Option<FlakeRef>,
    /// What `flake.nix` asked for.
    pub original: Option<FlakeRef>,
    /// False for `flake = false` inputs (plain source trees).
    pub is_flake: bool,
    /// The node's own inputs, by name.
    pub inputs: BTreeMap<String, LockedInput>,
}

/// A lock file as a graph of nodes (a node reached twice is stored once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFile {
    /// The nodes; [`LockFile::root`] indexes the root flake's.
    pub nodes: Vec<Node>,
    /// The root node.
    pub root: usize,
}

impl Default for LockFile {
    fn default() -> Self {
        LockFile {
            nodes: vec![Node {
                is_flake: true,
                ..Default::default()
            }],
            root: 0,
        }
    }
}

fn malformed(file: &str, why: impl Into<String>) -> FlakeError {
    FlakeError::BadLock {
        file: file.to_string(),
        why: why.into(),
    }
}

fn attrs_of(j: &Json, file: &str, what: &str) -> Result<Attrs, FlakeError> {
    let obj = j
        .as_object()
        .ok_or_else(|| malformed(file, format!("{what} is not an object")))?;
    let mut out = Attrs::new();
    for (k, v) in obj {
        let v = match v {
            Json::String(s) => AttrValue::Str(s.clone()),
            Json::Bool(b) => AttrValue::Bool(*b),
            Json::Number(n) if n.as_u64().is_some() => AttrValue::Int(n.as_u64().unwrap_or(0)),
            _ => {
                return Err(malformed(
                    file,
                    format!("attribute '{k}' of {what} is not a string, number or boolean"),
                ))
            }
        };
        out.insert(k.clone(), v);
    }
    Ok(out)
}

impl LockFile {
    /// Parse lock file text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<LockFile, FlakeError> {
        let j: Json = serde_json::from_str(text)
            .map_err(|e| malformed(file, format!("not valid JSON: {e}")))?;
        let version = j
            .get("version")
            .and_then(Json::as_u64)
            .ok_or_else(|| malformed(file, "it has no 'version' number"))?;
        if version < 5 {
            return Err(FlakeError::OutdatedLock {
                file: file.to_string(),
                version,
            });
        }
        if version > LOCK_VERSION {
            return Err(malformed(
                file,
                format!(
                    "version {version} is newer than this xnix understands (up to {LOCK_VERSION})"
                ),
            ));
        }
        let nodes = j
            .get("nodes")
            .and_then(Json::as_object)
            .ok_or_else(|| malformed(file, "it has no 'nodes' object"))?;
        let root_key = j
            .get("root")
            .and_then(Json::as_str)
            .ok_or_else(|| malformed(file, "it has no 'root' name"))?;
        let index: HashMap<&str, usize> = nodes
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let root = *index
            .get(root_key)
            .ok_or_else(|| malformed(file, format!("the root node '{root_key}' does not exist")))?;
        let mut out = Vec::with_capacity(nodes.len());
        for (key, n) in nodes {
            let what = format!("node '{key}'");
            let obj = n
                .as_object()
                .ok_or_else(|| malformed(file, format!("{what} is not an object")))?;
            let mut node = Node {
                is_flake: true,
                ..Default::default()
            };
            for (field, v) in obj {
                match field.as_str() {
                    "locked" | "original" => {
                        let a = attrs_of(v, file, &format!("'{field}' of {what}"))?;
                        let r = FlakeRef::from_attrs(a)
                            .map_err(|e| malformed(file, format!("'{field}' of {what}: {e}")))?;
                        if field == "locked" {
                            node.locked = Some(r);
                        } else {
                            node.original = Some(r);
                        }
                    }
                    "flake" => {
                        node.is_flake = v.as_bool().ok_or_else(|| {
                            malformed(file, format!("'flake' of {what} is not a boolean"))
                        })?
                    }
                    "inputs" => {
                        let ins = v.as_object().ok_or_else(|| {
                            malformed(file, format!("'inputs' of {what} is not an object"))
                        })?;
                        for (name, target) in ins {
                            let t = match target {
                                Json::String(k) => LockedInput::Node(*index.get(k.as_str()).ok_or_else(|| {
                                    malformed(file, format!("input '{name}' of {what} refers to the missing node '{k}'"))
                                })?),
                                Json::Array(path) => LockedInput::Follows(
                                    path.iter()
                                        .map(|p| p.as_str().map(str::to_string))
                                        .collect::<Option<Vec<_>>>()
                                        .ok_or_else(|| malformed(file, format!("input '{name}' of {what}: a 'follows' path must be a list of strings")))?,
                                ),
                                _ => return Err(malformed(file, format!("input '{name}' of {what} is neither a node name nor a list"))),
                            };
                            node.inputs.insert(name.clone(), t);
                        }
                    }
                    _ => {}
                }
            }
            if key != root_key && (node.locked.is_none() || node.original.is_none()) {
                return Err(malformed(
                    file,
                    format!("{what} lacks 'locked' or 'original'"),
                ));
            }
            out.push(node);
        }
        Ok(LockFile { nodes: out, root })
    }

    /// Read and parse a lock file.
    pub fn read(path: &Path) -> Result<LockFile, FlakeError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FlakeError::Io {
            what: format!("reading '{file}'"),
            source: e,
        })?;
        LockFile::parse(&text, &file)
    }

    /// The root flake's node.
    pub fn root_node(&self) -> &Node {
        &self.nodes[self.root]
    }

    /// The node `path` (input names from the root) leads to, following `follows`.
    pub fn resolve(&self, path: &[String]) -> Option<usize> {
        self.resolve_depth(path, 0)
    }

    fn resolve_depth(&self, path: &[String], depth: usize) -> Option<usize> {
        if depth > 64 {
            return None;
        }
        let mut cur = self.root;
        for name in path {
            match self.nodes[cur].inputs.get(name)? {
                LockedInput::Node(i) => cur = *i,
                LockedInput::Follows(p) => cur = self.resolve_depth(p, depth + 1)?,
            }
        }
        Some(cur)
    }

    /// Node keys as Nix assigns them: depth-first from the root in input-name order, each
    /// node named after the first input reaching it, made unique with `_2`, `_3`, ...
    fn keys(&self) -> Vec<Option<String>> {
        let mut keys: Vec<Option<String>> = vec![None; self.nodes.len()];
        let mut taken = std::collections::HashSet::new();
        let mut stack = vec![(self.root, "root".to_string())];
        // An explicit stack in reverse name order visits inputs in name order.
        while let Some((i, wanted)) = stack.pop() {
            if keys[i].is_some() {
                continue;
            }
            let mut key = wanted.clone();
            let mut n = 2;
            while taken.contains(&key) {
                key = format!("{wanted}_{n}");
                n += 1;
            }
            taken.insert(key.clone());
            keys[i] = Some(key);
            for (name, inp) in self.nodes[i].inputs.iter().rev() {
                if let LockedInput::Node(j) = inp {
                    stack.push((*j, name.clone()));
                }
            }
        }
        keys
    }

    /// The lock file's text, as Nix writes it.
    pub fn to_text(&self) -> String {
        let keys = self.keys();
        let mut nodes = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let Some(key) = &keys[i] else { continue };
            let mut fields: BTreeMap<&str, Json> = BTreeMap::new();
            if !node.is_flake {
                fields.insert("flake", Json::Bool(false));
            }
            if !node.inputs.is_empty() {
                let mut ins = serde_json::Map::new();
                for (name, inp) in &node.inputs {
                    let v = match inp {
                        LockedInput::Node(j) => Json::String(keys[*j].clone().unwrap_or_default()),
                        LockedInput::Follows(p) => {
                            Json::Array(p.iter().map(|s| Json::String(s.clone())).collect())
                        }
                    };
                    ins.insert(name.clone(), v);
                }
                fields.insert("inputs", Json::Object(ins));
            }
            for (name, r) in [("locked", &node.locked), ("original", &node.original)] {
                if let Some(r) = r {
                    let mut m = serde_json::Map::new();
                    for (k, v) in r.to_attrs() {
                        m.insert(k, v.to_json());
                    }
                    fields.insert(name, Json::Object(m));
                }
            }
            let mut m = serde_json::Map::new();
            for (k, v) in fields {
                m.insert(k.to_string(), v);
            }
            nodes.insert(key.clone(), Json::Object(m));
        }
        let mut nm = serde_json::Map::new();
        for (k, v) in nodes {
            nm.insert(k, v);
        }
        let mut top = serde_json::Map::new();
        top.insert("nodes".into(), Json::Object(nm));
        top.insert(
            "root".into(),
            Json::String(keys[self.root].clone().unwrap_or_default()),
        );
        top.insert("version".into(), Json::from(LOCK_VERSION));
        let mut out = String::new();
        write_json(&Json::Object(top), 0, &mut out);
        out.push('\n');
        out
    }

    /// Whether two lock files say the same (same text).
    pub fn same_as(&self, other: &LockFile) -> bool {
        self.to_text() == other.to_text()
    }
}

/// JSON as nlohmann's `dump(2)` writes it: keys in the order given (callers sort them),
/// `{}`/`[]` for empty containers, non-ASCII characters as they are.
fn write_json(v: &Json, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Json::Object(m) if m.is_empty() => out.push_str("{}"),
        Json::Object(m) => {
            out.push_str("{\n");
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.iter().enumerate() {
                pad(indent + 2, out);
                write_string(k, out);
                out.push_str(": ");
                write_json(&m[*k], indent + 2, out);
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push('}');
        }
        Json::Array(a) if a.is_empty() => out.push_str("[]"),
        Json::Array(a) => {
            out.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                pad(indent + 2, out);
                write_json(x, indent + 2, out);
                if i + 1 < a.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push(']');
        }
        Json::String(s) => write_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
  "nodes": {
    "b": {
      "locked": {
        "lastModified": 1796646596,
        "narHash": "sha256-imePOoIT6gB73ot1kTYw8VU89O5ELDZTninHEFq8gnI=",
        "path": "/tmp/fl1/b",
        "type": "path"
      },
      "original": {
        "path": "/tmp/fl1/b",
        "type": "path"
      }
    },
    "c": {
      "flake": false,
      "locked": {
        "lastModified": 1796646596,
        "narHash": "sha256-imePOoIT6gB73ot1kTYw8VU89O5ELDZTninHEFq8gnI=",
        "path": "/tmp/fl1/b",
        "type": "path"
      },
      "original": {
        "path": "/tmp/fl1/b",
        "type": "path"
      }
    },
    "root": {
      "inputs": {
        "b": "b",
        "c": "c",
        "d": [
          "b"
        ]
      }
    }
  },
  "root": "root",
  "version": 7
}
"#;

    #[test]
    fn round_trip() {
        let l = LockFile::parse(SAMPLE, "flake.lock").unwrap();
        assert_eq!(l.to_text(), SAMPLE);
        assert_eq!(l.resolve(&["d".into()]), l.resolve(&["b".into()]));
        assert!(!l.nodes[l.resolve(&["c".into()]).unwrap()].is_flake);
    }

    #[test]
    fn empty() {
        let text = LockFile::default().to_text();
        assert_eq!(
            text,
            "{\n  \"nodes\": {\n    \"root\": {}\n  },\n  \"root\": \"root\",\n  \"version\": 7\n}\n"
        );
    }

    #[test]
    fn errors() {
        for (text, needle) in [
            ("{", "not valid JSON"),
            (r#"{"version": 4, "nodes": {}, "root": "r"}"#, "version 4"),
            (r#"{"version": 9, "nodes": {}, "root": "r"}"#, "newer"),
            (r#"{"version": 7, "nodes": {}, "root": "r"}"#, "root node"),
            (
                r#"{"version": 7, "nodes": {"root": {"inputs": {"a": "zz"}}}, "root": "root"}"#,
                "missing node 'zz'",
            ),
        ] {
            let e = LockFile::parse(text, "x/flake.lock")
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle) && e.contains("x/flake.lock"), "{e}");
        }
    }
}
