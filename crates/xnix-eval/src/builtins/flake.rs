//! Flakes in the evaluator: `builtins.getFlake`, `fetchTree`, `parseFlakeRef` and
//! `flakeRefToString`, and [`get_flake`], which the command line uses for `.#attr` and
//! `xnix flake ...`. References, lock files, the registry, fetching and locking live in
//! `xnix-flake`; this module reads `flake.nix` files (for locking) and calls `outputs`
//! through `xnix_flake::CALL_FLAKE_NIX`.
//!
//! Nothing is copied into the store while a flake is evaluated: a tree's `outPath` is a
//! lazy `builtins.path`, so only what evaluation uses (`self.outPath`, `./file` in a
//! derivation) becomes a recorded store object.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use xnix_flake::{
    AttrValue, Attrs as RefAttrs, Fetcher, FlakeDecl, FlakeError, FlakeRef, InputDecl, LockFile,
    LockOptions, Locker, ReadFlake, Registry, Tree,
};

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, PrimOp, Thunk, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("getFlake", 1, get_flake_b),
    ("fetchTree", 1, fetch_tree_b),
    ("parseFlakeRef", 1, parse_flake_ref_b),
    ("flakeRefToString", 1, flake_ref_to_string_b),
];

/// How [`get_flake`] locks and whether it may write `flake.lock`.
#[derive(Debug, Clone, Default)]
pub struct FlakeOptions {
    /// Overrides and updates.
    pub lock: LockOptions,
    /// Write a changed lock file of a local flake (the command line does; `getFlake`
    /// does not).
    pub write_lock_file: bool,
    /// Refuse to evaluate when the lock file needs changes (`--no-update-lock-file`).
    pub no_update_lock_file: bool,
}

/// A locked flake, ready to be called.
pub struct LockedFlake {
    /// The reference as given (resolved through the registry).
    pub reference: FlakeRef,
    /// Its source tree.
    pub tree: Rc<Tree>,
    /// The lock (as written, or as it would be).
    pub lock: LockFile,
    /// `flake.lock`'s path, for local flakes.
    pub lock_path: Option<PathBuf>,
    /// The declaration read from `flake.nix`.
    pub decl: FlakeDecl,
    /// `flake.nix`'s path.
    pub flake_file: PathBuf,
}

fn flake_err(e: FlakeError, pos: Pos) -> EvalError {
    EvalError::msg(e.to_string(), pos)
}

/// The registry of this evaluator: the user's entries, then `nixpkgs`/`xnixpkgs` as the
/// bundled collection (`<xnixpkgs>`).
pub fn registry(ev: &Evaluator) -> Result<Registry, FlakeError> {
    let pkgs = ev
        .find_file("xnixpkgs", Pos::NONE)
        .ok()
        .or_else(|| ev.find_fallback_file("xnixpkgs"))
        .map(PathBuf::from);
    Registry::load(pkgs.as_deref())
}

struct EvalReader<'a> {
    ev: &'a Evaluator,
}

impl ReadFlake for EvalReader<'_> {
    fn read_flake(&self, dir: &Path) -> Result<FlakeDecl, FlakeError> {
        read_flake_decl(self.ev, dir)
    }
}

/// Read what `DIR/flake.nix` declares, checking that it is a flake: an attribute set of
/// `description`, `inputs`, `outputs` (a function) and `nixConfig`.
pub fn read_flake_decl(ev: &Evaluator, dir: &Path) -> Result<FlakeDecl, FlakeError> {
    let file = dir.join("flake.nix");
    let shown = file.display().to_string();
    let (bad, eval_err) = bad_flake_errors(ev, &shown);
    if !file.exists() {
        return Err(FlakeError::NotAFlake {
            path: dir.to_path_buf(),
        });
    }
    let v = ev.eval_file(&file.to_string_lossy()).map_err(eval_err)?;
    let top = match ev.force(v).map_err(eval_err)? {
        Value::Attrs(a) => a,
        other => {
            return Err(bad(format!(
                "it must be an attribute set (with 'description', 'inputs' and 'outputs'), but it is {}",
                other.type_desc()
            )))
        }
    };
    for a in &top.entries {
        if !["description", "inputs", "outputs", "nixConfig"].contains(&a.name.as_ref()) {
            return Err(bad(format!(
                "unsupported attribute '{}' (a flake has 'description', 'inputs', 'outputs' and 'nixConfig')",
                a.name.as_ref() as &str
            )));
        }
    }
    let description = match top.get("description") {
        Some(d) => Some(ev.force_str(d.clone(), Pos::NONE).map_err(eval_err)?),
        None => None,
    };
    let outputs = match top.get("outputs") {
        Some(o) => ev.force(o.clone()).map_err(eval_err)?,
        None => {
            return Err(bad(
                "it has no 'outputs' (a function from the inputs to the outputs)".into(),
            ))
        }
    };
    if !outputs.is_function() {
        return Err(bad(format!(
            "'outputs' must be a function (such as '{{ self, nixpkgs }}: {{ ... }}'), but it is {}",
            outputs.type_desc()
        )));
    }
    let mut inputs = match top.get("inputs") {
        Some(i) => {
            let i = ev.force_attrs(i.clone(), Pos::NONE).map_err(eval_err)?;
            read_inputs(ev, &i, &shown, "inputs")?
        }
        None => BTreeMap::new(),
    };
    // Arguments of `outputs` that are not declared are indirect inputs of that name.
    if let Value::Lambda(c) = &outputs {
        if let Some(f) = &c.def.formals {
            for (name, _) in &f.entries {
                let name: &str = name.as_ref();
                if name != "self" && !inputs.contains_key(name) {
                    inputs.insert(
                        name.to_string(),
                        InputDecl {
                            is_flake: true,
                            ..Default::default()
                        },
                    );
                }
            }
        }
    }
    Ok(FlakeDecl {
        description,
        inputs,
    })
}

/// The two ways reading `file` (a flake.nix) fails: a message saying what is
/// wrong, and an evaluation error (shown without its `error: `), both as
/// [`FlakeError::BadFlake`] naming the file.
fn bad_flake_errors<'a>(
    ev: &'a Evaluator,
    file: &'a str,
) -> (
    impl Fn(String) -> FlakeError + Copy + 'a,
    impl Fn(EvalError) -> FlakeError + Copy + 'a,
) {
    let bad = move |why: String| FlakeError::BadFlake {
        file: file.to_string(),
        why,
    };
    let eval_err = move |e: EvalError| {
        bad(ev
            .format_error(&e, false)
            .trim_start_matches("error: ")
            .to_string())
    };
    (bad, eval_err)
}

fn read_inputs(
    ev: &Evaluator,
    inputs: &Attrs,
    file: &str,
    at: &str,
) -> Result<BTreeMap<String, InputDecl>, FlakeError> {
    let (bad, eval_err) = bad_flake_errors(ev, file);
    let mut out = BTreeMap::new();
    for a in &inputs.entries {
        let name: &str = a.name.as_ref();
        let here = format!("{at}.{name}");
        let v = ev.force(a.value.clone()).map_err(eval_err)?;
        let spec = match v {
            Value::Attrs(s) => s,
            Value::String(s) => {
                // `inputs.x = "url"` is shorthand for `inputs.x.url = "url"`.
                let r = FlakeRef::parse(&s.s).map_err(|e| bad(format!("{here}: {e}")))?;
                out.insert(
                    name.to_string(),
                    InputDecl {
                        reference: Some(r),
                        is_flake: true,
                        ..Default::default()
                    },
                );
                continue;
            }
            other => {
                return Err(bad(format!(
                    "{here} must be an attribute set (such as {{ url = \"...\"; }}), but it is {}",
                    other.type_desc()
                )))
            }
        };
        let mut d = InputDecl {
            is_flake: true,
            ..Default::default()
        };
        let mut ref_attrs = RefAttrs::new();
        for f in &spec.entries {
            let field: &str = f.name.as_ref();
            let fv = ev.force(f.value.clone()).map_err(eval_err)?;
            match field {
                "url" => {
                    let s = ev.force_str(fv, Pos::NONE).map_err(eval_err)?;
                    d.reference =
                        Some(FlakeRef::parse(&s).map_err(|e| bad(format!("{here}.url: {e}")))?);
                }
                "follows" => {
                    let s = ev.force_str(fv, Pos::NONE).map_err(eval_err)?;
                    d.follows = Some(xnix_flake::lock::parse_follows(&s));
                }
                "flake" => {
                    d.is_flake = match fv {
                        Value::Bool(b) => b,
                        other => {
                            return Err(bad(format!(
                                "{here}.flake must be a Boolean, but it is {}",
                                other.type_desc()
                            )))
                        }
                    }
                }
                "inputs" => {
                    let sub = ev.force_attrs(fv, Pos::NONE).map_err(eval_err)?;
                    d.inputs = read_inputs(ev, &sub, file, &format!("{here}.inputs"))?;
                }
                _ => {
                    let value = match fv {
                        Value::Bool(b) => AttrValue::Bool(b),
                        Value::Int(i) if i >= 0 => AttrValue::Int(i as u64),
                        Value::Path(p) => AttrValue::Str(p.to_string()),
                        other => AttrValue::Str(ev.force_str(other, Pos::NONE).map_err(eval_err)?),
                    };
                    ref_attrs.insert(field.to_string(), value);
                }
            }
        }
        if !ref_attrs.is_empty() {
            if d.reference.is_some() {
                // `url` plus attributes such as `dir`: the attributes refine the URL.
                let mut r = d
                    .reference
                    .take()
                    .unwrap_or_else(|| FlakeRef::new("indirect", []));
                for (k, v) in ref_attrs {
                    if k == "dir" {
                        r.subdir = v.as_str().unwrap_or("").trim_matches('/').to_string();
                    } else {
                        r.set(&k, v);
                    }
                }
                d.reference = Some(r);
            } else {
                d.reference =
                    Some(FlakeRef::from_attrs(ref_attrs).map_err(|e| bad(format!("{here}: {e}")))?);
            }
        }
        out.insert(name.to_string(), d);
    }
    Ok(out)
}

/// The directory holding `flake.nix` in a fetched tree.
fn flake_dir(tree: &Tree, r: &FlakeRef) -> PathBuf {
    if r.subdir.is_empty() {
        tree.root.clone()
    } else {
        tree.root.join(&r.subdir)
    }
}

/// Whether a reference is a tree on this machine that may hold a writable lock file.
fn is_local(r: &FlakeRef) -> bool {
    r.input_type() == "path"
        || (r.input_type() == "git"
            && r.get_str("url").is_some_and(|u| u.starts_with("file://"))
            && !r.attrs.contains_key("rev")
            && !r.attrs.contains_key("ref"))
}

/// Fetch and lock the flake `r`; with `options.write_lock_file`, a changed lock of a local
/// flake is written next to its `flake.nix` (unless an input is not pinned).
pub fn lock_flake(
    ev: &Evaluator,
    r: &FlakeRef,
    options: &FlakeOptions,
) -> Result<LockedFlake, FlakeError> {
    let registry = registry(ev)?;
    let resolved = registry.resolve(r)?;
    let fetcher = Fetcher::new();
    let tree = fetcher.fetch(&resolved)?;
    let dir = flake_dir(&tree, &resolved);
    let flake_file = dir.join("flake.nix");
    let decl = read_flake_decl(ev, &dir)?;
    let lock_path = dir.join("flake.lock");
    let old = if lock_path.exists() {
        Some(LockFile::read(&lock_path)?)
    } else {
        None
    };
    let reader = EvalReader { ev };
    let locker = Locker {
        registry: &registry,
        fetcher: &fetcher,
        reader: &reader,
        options: &options.lock,
        flake_file: flake_file.display().to_string(),
    };
    let lock = locker.lock(&dir, &decl, old.as_ref())?;
    let changed = match &old {
        Some(o) => !o.same_as(&lock),
        None => !lock.root_node().inputs.is_empty(),
    };
    let local = is_local(&resolved);
    if changed && options.no_update_lock_file {
        return Err(FlakeError::StaleLock {
            file: lock_path.display().to_string(),
            why: if old.is_none() {
                "it does not exist".into()
            } else {
                "inputs were added, removed or changed".into()
            },
        });
    }
    if changed && options.write_lock_file && local {
        let unlocked = xnix_flake::lock::unlocked_inputs(&lock);
        if !unlocked.is_empty() {
            eprintln!(
                "warning: not writing lock file '{}': input {} is not pinned (commit its changes)",
                lock_path.display(),
                unlocked.join(", ")
            );
        } else {
            eprintln!(
                "warning: {} lock file '{}'",
                if old.is_some() {
                    "updating"
                } else {
                    "creating"
                },
                lock_path.display()
            );
            write_atomically(&lock_path, lock.to_text().as_bytes())?;
        }
    }
    Ok(LockedFlake {
        reference: resolved,
        tree: Rc::new(tree),
        lock,
        lock_path: local.then_some(lock_path),
        decl,
        flake_file,
    })
}

/// Write a file by renaming a complete temporary file over it, so that an interrupted
/// write leaves the old file intact.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FlakeError> {
    use std::io::Write;
    xnix_fs::ops::write_atomically(path, &mut |f| f.write_all(bytes)).map_err(|e| FlakeError::Io {
        what: format!("writing '{}'", path.display()),
        source: std::io::Error::other(e.to_string()),
    })
}

/// Source information of a tree as the flake code takes it: `__dir`, `__excluded`,
/// lazily computed `narHash`/`lastModified`/`lastModifiedDate`, and `rev`, `shortRev`,
/// `revCount` for clean Git trees.
fn source_value(tree: Rc<Tree>, pinned_hash: Option<String>, pos: Pos) -> Value {
    let mut entries: Vec<(&str, Value)> = vec![
        (
            "__dir",
            Value::str(tree.root.to_string_lossy().into_owned()),
        ),
        (
            "__excluded",
            Value::list(
                tree.excluded
                    .iter()
                    .map(|e| Value::str(e.clone()))
                    .collect(),
            ),
        ),
    ];
    let t = tree.clone();
    entries.push((
        "narHash",
        match pinned_hash {
            Some(h) => Value::str(h),
            None => Thunk::native(move |_| {
                t.nar_hash()
                    .map(|h| Value::str(h.to_sri()))
                    .map_err(|e| flake_err(e, pos))
            }),
        },
    ));
    let t = tree.clone();
    entries.push((
        "lastModified",
        Thunk::native(move |_| {
            t.last_modified()
                .map(|m| Value::Int(m.unwrap_or(0) as i64))
                .map_err(|e| flake_err(e, pos))
        }),
    ));
    let t = tree.clone();
    entries.push((
        "lastModifiedDate",
        Thunk::native(move |_| {
            t.last_modified()
                .map(|m| Value::str(xnix_flake::date_string(m.unwrap_or(0))))
                .map_err(|e| flake_err(e, pos))
        }),
    ));
    if let Some(rev) = &tree.rev {
        entries.push(("rev", Value::str(rev.clone())));
        entries.push(("shortRev", Value::str(rev[..7.min(rev.len())].to_string())));
    }
    if let Some(c) = tree.rev_count {
        entries.push(("revCount", Value::Int(c as i64)));
    }
    mk_attrs(entries)
}

/// Evaluate a locked flake: its outputs merged with its source information, with
/// `inputs`, `outputs`, `sourceInfo` and `_type = "flake"`.
pub fn call_flake(ev: &Evaluator, locked: &LockedFlake, pos: Pos) -> R<Value> {
    let func = ev.eval_expr(xnix_flake::CALL_FLAKE_NIX, "/")?;
    let mut root = source_value(locked.tree.clone(), None, pos);
    if let Value::Attrs(a) = &root {
        let mut entries = a.entries.clone();
        entries.push(Attr {
            name: "__subdir".into(),
            value: Value::str(locked.reference.subdir.clone()),
            pos: Pos::NONE,
        });
        root = Value::attrs(Attrs::from_unsorted(entries));
    }
    let lock_file = locked
        .lock_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("{}/flake.lock", locked.reference.to_url()));
    let fetch = Value::PrimOp(Rc::new(PrimOp {
        name: "fetchLocked",
        arity: 3,
        func: fetch_locked,
    }));
    ev.call(
        &func,
        &[
            Value::str(locked.lock.to_text()),
            Value::str(lock_file),
            root,
            fetch,
        ],
        pos,
    )
}

/// `fetchLocked lockFile nodeKey locked`: the source information of one locked node,
/// fetched (and checked against its `narHash`) when first used.
fn fetch_locked(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let lock_file = ev.force_str(a[0].clone(), pos)?;
    let key = ev.force_str(a[1].clone(), pos)?;
    let attrs = ev.force_attrs(a[2].clone(), pos)?;
    let r = FlakeRef::from_attrs(ref_attrs_of(ev, &attrs, pos)?).map_err(|e| flake_err(e, pos))?;
    // The error names the lock file and the input; a position inside the flake-calling
    // code would mean nothing to the user.
    let tree = Fetcher::new().fetch(&r).map_err(|e| {
        let bundled = registry(ev).ok().and_then(|reg| {
            reg.entries()
                .iter()
                .find(|(n, _)| xnix_flake::registry::BUNDLED_NAMES.contains(&n.as_str()))
                .map(|(_, t)| t.clone())
        });
        let hint = match (&e, bundled) {
            (FlakeError::HashMismatch { .. }, Some(b))
                if r.input_type() == "path" && b.get_str("path") == r.get_str("path") =>
            {
                format!("\nThe bundled collection changed since '{lock_file}' was written (xnix was updated); run 'xnix flake update {key}' to lock the new one")
            }
            _ => String::new(),
        };
        EvalError::msg(
            format!("input '{key}' locked in '{lock_file}': {e}{hint}"),
            Pos::NONE,
        )
    })?;
    Ok(source_value(
        Rc::new(tree),
        r.get_str("narHash").map(str::to_string),
        pos,
    ))
}

fn ref_attrs_of(ev: &Evaluator, attrs: &Attrs, pos: Pos) -> R<RefAttrs> {
    let mut out = RefAttrs::new();
    for a in &attrs.entries {
        let v = match ev.force(a.value.clone())? {
            Value::Bool(b) => AttrValue::Bool(b),
            Value::Int(i) if i >= 0 => AttrValue::Int(i as u64),
            Value::Path(p) => AttrValue::Str(p.to_string()),
            other => AttrValue::Str(ev.force_str(other, pos)?),
        };
        out.insert(a.name.to_string(), v);
    }
    Ok(out)
}

fn ref_to_value(r: &FlakeRef) -> Value {
    let attrs = r.to_attrs();
    let entries: Vec<(&str, Value)> = attrs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttrValue::Str(s) => Value::str(s.clone()),
                AttrValue::Int(i) => Value::Int(*i as i64),
                AttrValue::Bool(b) => Value::Bool(*b),
            };
            (k.as_str(), v)
        })
        .collect();
    mk_attrs(entries)
}

/// Lock and evaluate the flake `r` (the command line's entry: `.#attr`, `xnix flake show`).
pub fn get_flake(ev: &Evaluator, r: &FlakeRef, options: &FlakeOptions) -> R<(Value, LockedFlake)> {
    let locked = lock_flake(ev, r, options).map_err(|e| flake_err(e, Pos::NONE))?;
    let v = call_flake(ev, &locked, Pos::NONE)?;
    Ok((v, locked))
}

fn get_flake_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let r = FlakeRef::parse_cli(&s, Path::new("/")).map_err(|e| flake_err(e, pos))?;
    if r.input_type() == "path" && !r.get_str("path").is_some_and(|p| p.starts_with('/')) {
        return Err(EvalError::msg(
            format!("getFlake: '{s}' is a relative path; give an absolute path or a URL"),
            pos,
        ));
    }
    let locked = lock_flake(ev, &r, &FlakeOptions::default()).map_err(|e| flake_err(e, pos))?;
    call_flake(ev, &locked, pos)
}

/// The Nix code that turns source information into `fetchTree`'s result.
const WITH_OUT_PATH_NIX: &str = r#"
src:
let excluded = map (name: src.__dir + "/" + name) src.__excluded;
in removeAttrs src [ "__dir" "__excluded" ] // {
  outPath = builtins.path {
    path = /. + src.__dir;
    name = "source";
    filter = path: type: !(builtins.elem path excluded);
  };
}
"#;

fn fetch_tree_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let r = match ev.force(a[0].clone())? {
        Value::Attrs(attrs) => {
            FlakeRef::from_attrs(ref_attrs_of(ev, &attrs, pos)?).map_err(|e| flake_err(e, pos))?
        }
        other => {
            let s = ev.force_str_no_ctx(other, pos)?;
            FlakeRef::parse(&s).map_err(|e| flake_err(e, pos))?
        }
    };
    let reg = registry(ev).map_err(|e| flake_err(e, pos))?;
    let r = reg.resolve(&r).map_err(|e| flake_err(e, pos))?;
    let tree = Fetcher::new()
        .fetch(&r)
        .map_err(|e| EvalError::msg(format!("fetchTree: {e}"), pos))?;
    let src = source_value(Rc::new(tree), r.get_str("narHash").map(str::to_string), pos);
    let f = ev.eval_expr(WITH_OUT_PATH_NIX, "/")?;
    ev.call(&f, &[src], pos)
}

fn parse_flake_ref_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let r = FlakeRef::parse(&s).map_err(|e| flake_err(e, pos))?;
    Ok(ref_to_value(&r))
}

fn flake_ref_to_string_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let attrs = ev.force_attrs(a[0].clone(), pos)?;
    let r = FlakeRef::from_attrs(ref_attrs_of(ev, &attrs, pos)?).map_err(|e| flake_err(e, pos))?;
    Ok(Value::str(r.to_url()))
}
