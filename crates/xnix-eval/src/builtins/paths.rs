//! Path and file builtins.

use xnix_formats::{ContentAddressMethod, Hash, HashAlgo};

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::{io_msg, R};
use crate::path::{base_name_of, canon_path, dir_of};
use crate::store;
use crate::value::{Attr, Attrs, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("baseNameOf", 1, base_name_of_b),
    ("dirOf", 1, dir_of_b),
    ("pathExists", 1, path_exists),
    ("readFile", 1, read_file),
    ("readDir", 1, read_dir),
    ("toPath", 1, to_path),
    ("path", 1, path),
    ("filterSource", 2, filter_source),
    ("toFile", 2, to_file),
    ("storePath", 1, store_path),
    ("hashFile", 2, hash_file),
];

fn base_name_of_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, false)?;
    Ok(Value::str_ctx(base_name_of(&s.s), s.ctx))
}

fn dir_of_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    match ev.force(a[0].clone())? {
        Value::Path(p) => Ok(Value::Path(dir_of(&p).into())),
        v => {
            let s = ev.coerce_to_string(v, pos, false, false)?;
            Ok(Value::str_ctx(dir_of(&s.s), s.ctx))
        }
    }
}

fn path_exists(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = ev.coerce_to_read_path(a[0].clone(), pos)?;
    // A string ending in `/` or `/.` names a directory, as the system resolves it: such a
    // path to a file does not exist (as in Nix 2.8), one through a symlink to a directory
    // does.
    if p.len() > 1 && (p.ends_with('/') || p.ends_with("/.")) {
        return Ok(Value::Bool(std::fs::metadata(&p).is_ok_and(|m| m.is_dir())));
    }
    Ok(Value::Bool(
        std::fs::symlink_metadata(canon_path(&p)).is_ok(),
    ))
}

fn read_file(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = ev.coerce_to_read_path(a[0].clone(), pos)?;
    let data = crate::eval::read_file_bytes(&p, pos)?;
    // Nix strings cannot hold NUL (a C string would end there): Nix refuses such a file.
    if data.contains(&0) {
        return Err(EvalError::msg(
            format!("the contents of the file '{p}' cannot be represented as a Nix string"),
            pos,
        ));
    }
    Ok(Value::str(crate::bytes::from_bytes(&data)))
}

fn read_dir(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = ev.coerce_to_read_path(a[0].clone(), pos)?;
    let rd = std::fs::read_dir(&p)
        .map_err(|e| EvalError::msg(format!("opening directory '{p}': {}", io_msg(&e)), pos))?;
    let mut entries = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ty = match e.path().symlink_metadata() {
            Ok(md) => store::file_type_name(&md),
            Err(_) => "unknown",
        };
        entries.push(Attr {
            name: name.into(),
            value: Value::str(ty),
            pos: Pos::NONE,
        });
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn to_path(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, false)?;
    if !s.s.starts_with('/') {
        return Err(EvalError::msg(
            format!("string '{}' doesn't represent an absolute path", s.s),
            pos,
        ));
    }
    Ok(Value::str_ctx(canon_path(&s.s), s.ctx))
}

#[allow(clippy::too_many_arguments)]
fn add_filtered(
    ev: &Evaluator,
    src: &str,
    name: &str,
    filter: Option<Value>,
    recursive: bool,
    expected: Option<String>,
    pos: Pos,
) -> R<Value> {
    store::check_name(name, pos)?;
    let mut rejected = std::collections::BTreeSet::new();
    let sp = if recursive {
        let mut f = |p: &str, ty: &str| -> R<bool> {
            match &filter {
                None => Ok(true),
                Some(f) => {
                    let r = ev.call(f, &[Value::str(p), Value::str(ty)], pos)?;
                    let keep = ev.force_bool(r, pos)?;
                    if !keep {
                        rejected.insert(p.to_string());
                    }
                    Ok(keep)
                }
            }
        };
        let h = store::nar_sha256(src, &mut f, pos)?;
        check_expected(&expected, &h, src, pos)?;
        store::fixed_output_path(ev, name, ContentAddressMethod::Recursive, h, pos)?
    } else {
        let data = crate::eval::read_file_bytes(src, pos)?;
        let h = Hash::digest(HashAlgo::Sha256, &data);
        check_expected(&expected, &h, src, pos)?;
        store::fixed_output_path(ev, name, ContentAddressMethod::Flat, h, pos)?
    };
    ev.drv_cache
        .borrow_mut()
        .objects
        .push(store::StoreObject::Source {
            src: src.to_string(),
            name: name.to_string(),
            recursive,
            rejected,
            path: sp.clone(),
        });
    Ok(Value::str_ctx(sp.clone(), vec![sp]))
}

fn path(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let args = ev.force_attrs(a[0].clone(), pos)?;
    super::check_known_args(
        &args,
        &["path", "name", "filter", "recursive", "sha256"],
        "addPath",
        pos,
    )?;
    let p = match args.get("path") {
        Some(p) => ev.coerce_to_path(p.clone(), pos)?,
        None => return Err(EvalError::msg("'path' required", pos)),
    };
    let name = match args.get("name") {
        Some(n) => ev.force_str(n.clone(), pos)?,
        None => base_name_of(&p),
    };
    let filter = match args.get("filter") {
        Some(f) => Some(ev.force_function(f.clone(), pos)?),
        None => None,
    };
    let recursive = match args.get("recursive") {
        Some(r) => ev.force_bool(r.clone(), pos)?,
        None => true,
    };
    let expected = match args.get("sha256") {
        Some(h) => Some(ev.force_str(h.clone(), pos)?),
        None => None,
    };
    add_filtered(ev, &p, &name, filter, recursive, expected, pos)
}

fn filter_source(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    // Nix takes the path first, then insists on a real function (no functor).
    let p = ev.coerce_to_path(a[1].clone(), pos)?;
    let f = ev.force(a[0].clone())?;
    if !f.is_function() {
        return Err(EvalError::msg(
            format!(
                "first argument in call to 'filterSource' is not a function but {}",
                f.type_desc()
            ),
            pos,
        ));
    }
    add_filtered(ev, &p, &base_name_of(&p), Some(f), true, None, pos)
}

fn to_file(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let contents = ev.force_string_v(a[1].clone(), pos)?;
    store::check_name(&name, pos)?;
    let mut refs = Vec::new();
    for c in &contents.ctx {
        if c.starts_with('=') || c.starts_with('!') {
            return Err(EvalError::msg(
                format!("in 'toFile': the file named '{name}' must not contain a reference to a derivation but contains ({c})"),
                pos,
            ));
        }
        refs.push(c.clone());
    }
    let sp = store::text_path(ev, &name, &crate::bytes::to_bytes(&contents.s), &refs, pos)?;
    ev.drv_cache
        .borrow_mut()
        .objects
        .push(store::StoreObject::Text {
            name: name.clone(),
            contents: crate::bytes::to_bytes(&contents.s).into_owned(),
            references: refs,
            path: sp.clone(),
        });
    Ok(Value::str_ctx(sp.clone(), vec![sp]))
}

fn store_path(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = ev.coerce_to_path(a[0].clone(), pos)?;
    let prefix = format!("{}/", ev.store_dir);
    let Some(rest) = p.strip_prefix(&prefix) else {
        return Err(EvalError::msg(
            format!("path '{p}' is not in the Nix store"),
            pos,
        ));
    };
    let top = format!("{prefix}{}", rest.split('/').next().unwrap_or(""));
    Ok(Value::str_ctx(p.clone(), vec![top]))
}

fn hash_file(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let algo = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let p = ev.coerce_to_read_path(a[1].clone(), pos)?;
    let data = crate::eval::read_file_bytes(&p, pos)?;
    Ok(Value::str(
        super::strings::hash_bytes(&algo, &data, pos)?.to_base16(),
    ))
}

fn check_expected(expected: &Option<String>, actual: &Hash, src: &str, pos: Pos) -> R<()> {
    let Some(e) = expected else { return Ok(()) };
    let h = Hash::parse(e, Some(HashAlgo::Sha256))
        .map_err(|err| EvalError::msg(crate::store::hash_error_text(&err), pos))?;
    if h != *actual {
        return Err(EvalError::msg(
            format!("store path mismatch in (possibly filtered) path added from '{src}'"),
            pos,
        ));
    }
    Ok(())
}
