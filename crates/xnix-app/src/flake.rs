//! Flake installables (`.#attr`, `PATH#attr`, `nixpkgs#hello`): locking and calling the
//! flake (through `xnix_eval::builtins::flake`), Nix's search order for the attribute, and
//! the evaluation cache keyed by content.

use std::path::{Path, PathBuf};

use xnix_eval::builtins::flake::{self as eflake, FlakeOptions};
use xnix_eval::{EvalError, Evaluator, Pos, Value};
use xnix_flake::FlakeRef;

/// What the command line says about flakes (plain data, part of an
/// [`crate::installable::EvalRequest`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlakeRequest {
    /// `--override-input PATH REF` pairs.
    pub override_input: Vec<(String, String)>,
    /// `--update-input PATH`.
    pub update_input: Vec<String>,
    /// `--no-write-lock-file`.
    pub no_write_lock_file: bool,
    /// `--no-update-lock-file`.
    pub no_update_lock_file: bool,
    /// `--no-eval-cache`.
    pub no_eval_cache: bool,
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

fn flake_err(e: xnix_flake::FlakeError) -> EvalError {
    EvalError::msg(e.to_string(), Pos::NONE)
}

impl FlakeRequest {
    /// The evaluator's options for this request.
    pub fn options(&self) -> Result<FlakeOptions, EvalError> {
        let mut o = FlakeOptions {
            write_lock_file: !self.no_write_lock_file,
            no_update_lock_file: self.no_update_lock_file,
            ..Default::default()
        };
        for (path, r) in &self.override_input {
            let r = FlakeRef::parse_cli(r, &cwd())
                .map_err(|e| EvalError::msg(format!("--override-input {path}: {e}"), Pos::NONE))?;
            o.lock
                .overrides
                .insert(xnix_flake::lock::parse_follows(path), r);
        }
        for u in &self.update_input {
            o.lock.update.insert(xnix_flake::lock::parse_follows(u));
        }
        Ok(o)
    }
}

/// Whether a FILE argument is a flake installable (`REF#ATTR`) rather than a file.
pub fn is_installable(arg: &str) -> bool {
    arg.contains('#')
}

/// The attribute paths an installable's fragment is looked up at, in Nix's order.
pub fn attr_paths(fragment: &str, system: &str) -> Vec<String> {
    if fragment.is_empty() {
        return vec![
            format!("packages.{system}.default"),
            format!("defaultPackage.{system}"),
        ];
    }
    vec![
        format!("packages.{system}.{fragment}"),
        format!("legacyPackages.{system}.{fragment}"),
        fragment.to_string(),
    ]
}

/// `a.b."c.d"` as names.
fn split_attr_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.retain(|s| !s.is_empty());
    out
}

/// Follow `path` from `v`; `Ok(None)` when an attribute on the way is missing.
fn try_select(ev: &Evaluator, v: Value, path: &str) -> Result<Option<Value>, EvalError> {
    let mut cur = v;
    for name in split_attr_path(path) {
        match ev.force(cur)? {
            Value::Attrs(a) => match a.get(&name) {
                Some(next) => cur = next.clone(),
                None => return Ok(None),
            },
            _ => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// Evaluate an installable `REF#ATTR`: the flake's output at the first of [`attr_paths`]
/// that exists.
pub fn eval_installable(
    ev: &Evaluator,
    arg: &str,
    request: &FlakeRequest,
) -> Result<Value, EvalError> {
    let (r, fragment) = FlakeRef::parse_with_fragment(arg, &cwd()).map_err(flake_err)?;
    let (v, _) = eflake::get_flake(ev, &r, &request.options()?)?;
    let system = xnix_eval::builtins::current_system();
    let tried = attr_paths(&fragment, &system);
    for path in &tried {
        if let Some(found) = try_select(ev, v.clone(), path)? {
            return Ok(found);
        }
    }
    Err(EvalError::msg(
        format!(
            "flake '{}' does not provide attribute {}",
            r.to_url(),
            tried
                .iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Pos::NONE,
    ))
}

/// The whole flake `REF` (outputs, `inputs`, `outPath`, ...), as `xnix repl REF#` loads it.
pub fn eval_flake(
    ev: &Evaluator,
    reference: &str,
    request: &FlakeRequest,
) -> Result<Value, EvalError> {
    let r = FlakeRef::parse_cli(reference, &cwd()).map_err(flake_err)?;
    Ok(eflake::get_flake(ev, &r, &request.options()?)?.0)
}

/// The evaluation cache key of installable `arg` evaluated for `purpose` (the command,
/// the store directory and every flag that changes the result), or `None` when the cache
/// is off or an input is not pinned (a dirty Git input). The key covers the content of
/// what a pure evaluation can see: the flake's tree (hashed: dirty trees are cached too),
/// its lock, local `path:` inputs (which can change under their lock), the collection,
/// dpkg's status (the toolchains' identity), the program and the search path. Locks the
/// flake (writing a changed lock file, as evaluating it would).
pub fn cache_key(
    ev: &Evaluator,
    arg: &str,
    request: &FlakeRequest,
    purpose: &str,
) -> Result<Option<String>, EvalError> {
    if request.no_eval_cache {
        return Ok(None);
    }
    let (r, fragment) = FlakeRef::parse_with_fragment(arg, &cwd()).map_err(flake_err)?;
    let locked = eflake::lock_flake(ev, &r, &request.options()?).map_err(flake_err)?;
    if !xnix_flake::lock::unlocked_inputs(&locked.lock).is_empty() {
        return Ok(None);
    }
    let mut k = xnix_flake::evalcache::KeyBuilder::default();
    k.program()
        .part("purpose", purpose.as_bytes())
        .part("fragment", fragment.as_bytes())
        .part("flake", locked.reference.to_url().as_bytes())
        .part(
            "tree",
            locked
                .tree
                .nar_hash()
                .map_err(flake_err)?
                .to_base32()
                .as_bytes(),
        )
        .part("lock", locked.lock.to_text().as_bytes())
        .part("system", xnix_eval::builtins::current_system().as_bytes())
        .part(
            "XNIX_SYSTEM",
            std::env::var("XNIX_SYSTEM").unwrap_or_default().as_bytes(),
        )
        .part(
            "NIX_PATH",
            std::env::var("NIX_PATH").unwrap_or_default().as_bytes(),
        )
        .part("search", format!("{:?}", ev.search_path()).as_bytes())
        .file("dpkg", Path::new("/var/lib/dpkg/status"));
    if let Some(pkgs) = crate::installable::find_pkgs() {
        k.tree("collection", &pkgs).map_err(flake_err)?;
    }
    for node in &locked.lock.nodes {
        if let Some(r) = node.locked.as_ref().filter(|r| r.input_type() == "path") {
            let p = Path::new(r.get_str("path").unwrap_or(""));
            if p.exists() {
                k.tree("path-input", p).map_err(flake_err)?;
            }
        }
    }
    Ok(Some(k.finish()))
}

/// The key of a session's request when it is one flake installable, else `None`.
pub fn request_cache_key(
    session: &crate::Session,
    purpose: &str,
) -> Result<Option<String>, EvalError> {
    match &session.request().installable {
        crate::installable::Installable::Flakes(refs) if refs.len() == 1 => {
            let r = session.request();
            let purpose = format!(
                "{purpose}\0attr={:?}\0arg={:?}\0argstr={:?}",
                r.attr_paths, r.arg_exprs, r.arg_strs
            );
            cache_key(session.evaluator(), &refs[0], &r.flake, &purpose)
        }
        _ => Ok(None),
    }
}

/// A cached result.
pub fn cache_get(key: &str) -> Option<String> {
    xnix_flake::evalcache::EvalCache::new().get(key)
}

/// Remember a result.
pub fn cache_put(key: &str, value: &str) {
    xnix_flake::evalcache::EvalCache::new().put(key, value)
}

/// What `repl REF#ATTR` loads: the attribute (Nix's search order), or for
/// `REF#` the whole flake (its outputs, `inputs`, `sourceInfo`).
pub fn eval_for_repl(ev: &Evaluator, arg: &str) -> Result<Value, EvalError> {
    let request = FlakeRequest::default();
    match arg.strip_suffix('#') {
        Some(reference) => eval_flake(ev, reference, &request),
        None => eval_installable(ev, arg, &request),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order() {
        assert_eq!(
            attr_paths("hello", "x86_64-linux"),
            [
                "packages.x86_64-linux.hello",
                "legacyPackages.x86_64-linux.hello",
                "hello"
            ]
        );
        assert_eq!(
            attr_paths("", "riscv64-linux")[0],
            "packages.riscv64-linux.default"
        );
        assert_eq!(split_attr_path("a.\"b.c\".d"), ["a", "b.c", "d"]);
    }
}
