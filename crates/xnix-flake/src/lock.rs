//! Locking: from what a `flake.nix` declares and the old `flake.lock`, the new lock graph.
//! Inputs whose declaration did not change keep their old lock (nothing is fetched for
//! them); new, changed, overridden or updated inputs are resolved through the registry,
//! fetched and pinned, and their own `flake.nix` read in turn. Reading a `flake.nix` needs
//! an evaluator, which the caller provides through [`ReadFlake`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::fetch::Fetcher;
use crate::flakeref::{AttrValue, FlakeRef};
use crate::lockfile::{LockFile, LockedInput, Node};
use crate::registry::Registry;
use crate::FlakeError;

/// One input as `flake.nix` declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputDecl {
    /// `url` (or the attributes given instead); `None` means the indirect name of the input.
    pub reference: Option<FlakeRef>,
    /// `follows = "a/b"`: input names, relative to the declaring flake.
    pub follows: Option<Vec<String>>,
    /// `flake = false` makes this false.
    pub is_flake: bool,
    /// `inputs.x.inputs.y = ...`: overrides of the input's own inputs.
    pub inputs: BTreeMap<String, InputDecl>,
}

/// What a `flake.nix` declares that locking needs.
#[derive(Debug, Clone, Default)]
pub struct FlakeDecl {
    /// `description`, if any.
    pub description: Option<String>,
    /// The inputs, with inputs named only by `outputs`' arguments added as indirect ones.
    pub inputs: BTreeMap<String, InputDecl>,
}

/// Reads a `flake.nix` (through an evaluator).
pub trait ReadFlake {
    /// The declaration of the flake in directory `dir` (which holds `flake.nix`).
    fn read_flake(&self, dir: &Path) -> Result<FlakeDecl, FlakeError>;
}

/// How to lock.
#[derive(Debug, Clone, Default)]
pub struct LockOptions {
    /// `--override-input a/b REF`: the input at this path uses REF.
    pub overrides: BTreeMap<Vec<String>, FlakeRef>,
    /// Inputs to lock again even if their declaration did not change (`flake update NAME`).
    pub update: BTreeSet<Vec<String>>,
    /// Lock every input again (`flake update`).
    pub update_all: bool,
}

/// The locking context.
pub struct Locker<'a> {
    /// Resolves indirect names.
    pub registry: &'a Registry,
    /// Fetches trees.
    pub fetcher: &'a Fetcher,
    /// Reads `flake.nix` files.
    pub reader: &'a dyn ReadFlake,
    /// Options.
    pub options: &'a LockOptions,
    /// The flake file being locked, for error messages.
    pub flake_file: String,
}

/// A declared override of an input deeper down, with the path of the flake declaring it
/// (its `follows` are relative to that flake).
#[derive(Clone)]
struct Override {
    decl: InputDecl,
    declared_in: Vec<String>,
}

struct State<'a> {
    old: Option<&'a LockFile>,
    new: LockFile,
    /// Declared overrides by absolute input path.
    overrides: BTreeMap<Vec<String>, Override>,
}

fn split_follows(s: &str) -> Vec<String> {
    s.split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parse a `follows` string into names.
pub fn parse_follows(s: &str) -> Vec<String> {
    split_follows(s)
}

impl Locker<'_> {
    /// Lock the flake in `dir` (declaring `decl`) against `old`.
    pub fn lock(
        &self,
        dir: &Path,
        decl: &FlakeDecl,
        old: Option<&LockFile>,
    ) -> Result<LockFile, FlakeError> {
        let mut st = State {
            old,
            new: LockFile::default(),
            overrides: BTreeMap::new(),
        };
        let old_root = old.map(|l| l.root);
        let root = st.new.root;
        self.lock_inputs(&mut st, root, &decl.inputs, &[], old_root, Some(dir))?;
        // Every `follows` must lead somewhere.
        for node in &st.new.nodes {
            for (name, inp) in &node.inputs {
                if let LockedInput::Follows(p) = inp {
                    if st.new.resolve(p).is_none() {
                        return Err(FlakeError::BadFlake {
                            file: self.flake_file.clone(),
                            why: format!(
                                "input '{name}' follows '{}', which is not an input",
                                p.join("/")
                            ),
                        });
                    }
                }
            }
        }
        Ok(st.new)
    }

    fn lock_inputs(
        &self,
        st: &mut State,
        node: usize,
        inputs: &BTreeMap<String, InputDecl>,
        prefix: &[String],
        old_node: Option<usize>,
        dir: Option<&Path>,
    ) -> Result<(), FlakeError> {
        // Overrides this flake declares for its inputs' inputs.
        for (name, d) in inputs {
            for (sub, sd) in &d.inputs {
                let mut p = prefix.to_vec();
                p.push(name.clone());
                p.push(sub.clone());
                st.overrides.entry(p).or_insert(Override {
                    decl: sd.clone(),
                    declared_in: prefix.to_vec(),
                });
            }
        }
        for (name, d) in inputs {
            let mut path = prefix.to_vec();
            path.push(name.clone());
            let (decl, declared_in) = match st.overrides.get(&path) {
                Some(o) => {
                    // An override replaces what it sets, keeping the rest.
                    let mut merged = d.clone();
                    if o.decl.reference.is_some() {
                        merged.reference = o.decl.reference.clone();
                        merged.follows = None;
                    }
                    if o.decl.follows.is_some() {
                        merged.follows = o.decl.follows.clone();
                    }
                    (merged, o.declared_in.clone())
                }
                None => (d.clone(), prefix.to_vec()),
            };
            let cli = self.options.overrides.get(&path).cloned();
            if cli.is_none() {
                if let Some(f) = &decl.follows {
                    let mut target = declared_in.clone();
                    target.extend(f.iter().cloned());
                    st.new.nodes[node]
                        .inputs
                        .insert(name.clone(), LockedInput::Follows(target));
                    continue;
                }
            }
            let original = match cli.clone().or(decl.reference.clone()) {
                Some(r) => r,
                None => FlakeRef::new("indirect", [("id", AttrValue::Str(name.clone()))]),
            };
            let old_input = old_node.and_then(|o| {
                let old = st.old?;
                match old.nodes[o].inputs.get(name)? {
                    LockedInput::Node(i) => Some(*i),
                    LockedInput::Follows(_) => None,
                }
            });
            let updating =
                self.options.update_all || self.options.update.iter().any(|u| path.starts_with(u));
            let reusable = old_input.filter(|&i| {
                let old = st.old.expect("old lock");
                let n = &old.nodes[i];
                !updating && n.original.as_ref() == Some(&original) && n.is_flake == decl.is_flake
            });
            let deeper_changes = self
                .options
                .overrides
                .keys()
                .any(|k| k.len() > path.len() && k.starts_with(&path))
                || self
                    .options
                    .update
                    .iter()
                    .any(|u| u.len() > path.len() && u.starts_with(&path))
                || st
                    .overrides
                    .keys()
                    .any(|k| k.len() > path.len() && k.starts_with(&path));
            if let Some(i) = reusable {
                if !deeper_changes {
                    let copied = copy_subtree(st, i);
                    st.new.nodes[node]
                        .inputs
                        .insert(name.clone(), LockedInput::Node(copied));
                    continue;
                }
            }
            // Lock it anew (or re-read it to apply changes below it).
            let declaring = match dir {
                Some(d) => d.join("flake.nix").display().to_string(),
                None => self.flake_file.clone(),
            };
            let in_input = |e: FlakeError| match e {
                e @ FlakeError::BadFlake { .. } => e,
                // The suggestion names this input (`--override-input a/b ...`).
                e => FlakeError::BadFlake {
                    file: declaring.clone(),
                    why: format!("input '{}': {e}", path.join("/")).replace(
                        "--override-input NAME",
                        &format!("--override-input {}", path.join("/")),
                    ),
                },
            };
            let resolved = self.resolve_relative(&original, dir).map_err(in_input)?;
            let (tree, locked) = match reusable {
                Some(i) => {
                    let old = st.old.expect("old lock");
                    let locked = old.nodes[i].locked.clone().expect("locked node");
                    (self.fetcher.fetch(&locked).map_err(in_input)?, locked)
                }
                None => {
                    let target = self.registry.resolve(&resolved).map_err(in_input)?;
                    let tree = self.fetcher.fetch(&target).map_err(in_input)?;
                    let mut locked = tree.locked().map_err(in_input)?;
                    locked.subdir = target.subdir.clone();
                    (tree, locked)
                }
            };
            let idx = st.new.nodes.len();
            st.new.nodes.push(Node {
                locked: Some(locked.clone()),
                original: Some(original),
                is_flake: decl.is_flake,
                inputs: BTreeMap::new(),
            });
            st.new.nodes[node]
                .inputs
                .insert(name.clone(), LockedInput::Node(idx));
            if decl.is_flake {
                let sub = tree.root.join(&locked.subdir);
                if !sub.join("flake.nix").exists() {
                    return Err(FlakeError::BadFlake {
                        file: self.flake_file.clone(),
                        why: format!(
                            "input '{}' ({}) has no flake.nix; if it is plain source, declare it with 'flake = false'",
                            path.join("/"),
                            locked.to_url()
                        ),
                    });
                }
                let child = self.reader.read_flake(&sub)?;
                self.lock_inputs(st, idx, &child.inputs, &path, old_input, Some(&sub))?;
            }
        }
        Ok(())
    }

    /// `path:./x` relative to the flake that names it.
    fn resolve_relative(&self, r: &FlakeRef, dir: Option<&Path>) -> Result<FlakeRef, FlakeError> {
        if r.input_type() != "path" {
            return Ok(r.clone());
        }
        let p = r.get_str("path").unwrap_or("");
        if p.starts_with('/') {
            return Ok(r.clone());
        }
        let Some(dir) = dir else {
            return Err(FlakeError::BadRef {
                input: r.to_url(),
                why: "a relative path needs a flake to be relative to".into(),
            });
        };
        let mut out = r.clone();
        let abs: PathBuf = crate::flakeref::normalise(&dir.join(p));
        out.set("path", AttrValue::Str(abs.to_string_lossy().into_owned()));
        Ok(out)
    }
}

/// Copy node `i` of the old lock (and everything below it) into the new one.
fn copy_subtree(st: &mut State, i: usize) -> usize {
    let old = st.old.expect("old lock");
    let mut map: BTreeMap<usize, usize> = BTreeMap::new();
    copy_rec(old, &mut st.new, i, &mut map)
}

fn copy_rec(
    old: &LockFile,
    new: &mut LockFile,
    i: usize,
    map: &mut BTreeMap<usize, usize>,
) -> usize {
    if let Some(&j) = map.get(&i) {
        return j;
    }
    let idx = new.nodes.len();
    map.insert(i, idx);
    let n = &old.nodes[i];
    new.nodes.push(Node {
        locked: n.locked.clone(),
        original: n.original.clone(),
        is_flake: n.is_flake,
        inputs: BTreeMap::new(),
    });
    let mut inputs = BTreeMap::new();
    for (name, inp) in &n.inputs {
        let v = match inp {
            LockedInput::Node(c) => LockedInput::Node(copy_rec(old, new, *c, map)),
            LockedInput::Follows(p) => LockedInput::Follows(p.clone()),
        };
        inputs.insert(name.clone(), v);
    }
    new.nodes[idx].inputs = inputs;
    idx
}

/// Inputs of a lock whose content is not pinned (a dirty Git tree): a lock file holding
/// them would not reproduce the evaluation, so it is not written.
pub fn unlocked_inputs(lock: &LockFile) -> Vec<String> {
    lock.nodes
        .iter()
        .filter_map(|n| n.locked.as_ref())
        .filter(|r| !r.is_locked())
        .map(|r| r.to_url())
        .collect()
}
