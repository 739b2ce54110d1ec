//! The flake registry: what indirect names (`nixpkgs`, `flake:foo/branch`) stand for.
//! Built in, `nixpkgs` and `xnixpkgs` mean the bundled package collection; a user registry
//! in Nix's format (`$XDG_CONFIG_HOME/xnix/registry.json`, version 2) adds or replaces
//! entries.

use std::path::{Path, PathBuf};

use crate::flakeref::{AttrValue, FlakeRef};
use crate::FlakeError;

/// Names that always mean the bundled collection unless the user registry says otherwise.
pub const BUNDLED_NAMES: &[&str] = &["nixpkgs", "xnixpkgs"];

/// Indirect names and their targets.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// `(name, target)`, earlier entries win.
    entries: Vec<(String, FlakeRef)>,
}

impl Registry {
    /// The built-in registry: [`BUNDLED_NAMES`] mean `path:<pkgs>`, when the collection was
    /// found.
    pub fn bundled(pkgs: Option<&Path>) -> Registry {
        let mut r = Registry::default();
        if let Some(p) = pkgs {
            for name in BUNDLED_NAMES {
                r.entries.push((
                    name.to_string(),
                    FlakeRef::new(
                        "path",
                        [("path", AttrValue::Str(p.to_string_lossy().into_owned()))],
                    ),
                ));
            }
        }
        r
    }

    /// The user's registry file: `$XDG_CONFIG_HOME/xnix/registry.json` (or under
    /// `~/.config`).
    pub fn user_file() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("xnix/registry.json"))
    }

    /// The built-in registry with the user's entries (if the file exists) in front.
    pub fn load(pkgs: Option<&Path>) -> Result<Registry, FlakeError> {
        let mut r = Registry::default();
        if let Some(file) = Registry::user_file() {
            if file.exists() {
                r.entries = read_registry_file(&file)?;
            }
        }
        r.entries.extend(Registry::bundled(pkgs).entries);
        Ok(r)
    }

    /// Put an entry in front of the others.
    pub fn add(&mut self, name: &str, target: FlakeRef) {
        self.entries.insert(0, (name.to_string(), target));
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[(String, FlakeRef)] {
        &self.entries
    }

    /// Resolve an indirect reference (others are returned as they are). The reference's
    /// `ref`/`rev` and directory carry over to the target.
    pub fn resolve(&self, r: &FlakeRef) -> Result<FlakeRef, FlakeError> {
        if r.input_type() != "indirect" {
            return Ok(r.clone());
        }
        let id = r.get_str("id").unwrap_or("");
        let Some((_, target)) = self.entries.iter().find(|(n, _)| n == id) else {
            return Err(FlakeError::NotInRegistry {
                name: id.to_string(),
                known: self.entries.iter().map(|(n, _)| n.clone()).collect(),
            });
        };
        let mut out = target.clone();
        for k in ["ref", "rev"] {
            if let Some(v) = r.attrs.get(k) {
                if out.input_type() == "path" {
                    return Err(FlakeError::BadRef {
                        input: r.to_url(),
                        why: format!(
                            "'{id}' means {}, a directory without branches or commits; leave out '/{}'",
                            out.to_url(),
                            v.as_str().unwrap_or("")
                        ),
                    });
                }
                out.set(k, v.clone());
            }
        }
        if let Some(h) = r.attrs.get("narHash") {
            out.set("narHash", h.clone());
        }
        out.subdir = crate::flakeref::join_subdir(&out.subdir, &r.subdir);
        Ok(out)
    }
}

/// The entries of a registry file in Nix's format:
/// `{ "version": 2, "flakes": [ { "from": {...}, "to": {...} } ] }`.
fn read_registry_file(file: &Path) -> Result<Vec<(String, FlakeRef)>, FlakeError> {
    let bad = |why: String| FlakeError::BadRegistry {
        file: file.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
    let j: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if j.get("version").and_then(|v| v.as_u64()) != Some(2) {
        return Err(bad("expected \"version\": 2".into()));
    }
    let mut out = Vec::new();
    for (i, e) in j
        .get("flakes")
        .and_then(|f| f.as_array())
        .ok_or_else(|| bad("no \"flakes\" list".into()))?
        .iter()
        .enumerate()
    {
        let id = e
            .pointer("/from/id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| bad(format!("entry {i} has no from.id")))?;
        let to = e
            .get("to")
            .and_then(|t| t.as_object())
            .ok_or_else(|| bad(format!("entry {i} has no 'to' object")))?;
        let mut attrs = crate::flakeref::Attrs::new();
        for (k, v) in to {
            let v = match v {
                serde_json::Value::String(s) => AttrValue::Str(s.clone()),
                serde_json::Value::Bool(b) => AttrValue::Bool(*b),
                serde_json::Value::Number(n) => AttrValue::Int(n.as_u64().unwrap_or(0)),
                _ => return Err(bad(format!("entry {i}: bad value of '{k}'"))),
            };
            attrs.insert(k.clone(), v);
        }
        let to = FlakeRef::from_attrs(attrs).map_err(|e| bad(format!("entry {i}: {e}")))?;
        out.push((id.to_string(), to));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_names() {
        let r = Registry::bundled(Some(Path::new("/opt/pkgs")));
        let got = r
            .resolve(&FlakeRef::parse("nixpkgs?dir=sub").unwrap())
            .unwrap();
        assert_eq!(got.to_url(), "path:/opt/pkgs?dir=sub");
        assert!(r
            .resolve(&FlakeRef::parse("nixpkgs/main").unwrap())
            .is_err());
        let e = r.resolve(&FlakeRef::parse("other").unwrap()).unwrap_err();
        assert!(e.to_string().contains("'flake:other'"), "{e}");
    }
}
