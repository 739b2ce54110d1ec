//! Control and environment builtins: errors, `tryEval`, `seq`, `trace`, `import`, `getEnv`, ...

use std::collections::HashMap;

use super::{mk_attrs, BuiltinDef};
use crate::error::{ErrorKind, EvalError};
use crate::eval::R;
use crate::value::{Env, Pos, Sym, Thunk, ThunkState, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("throw", 1, throw),
    ("abort", 1, abort),
    ("tryEval", 1, try_eval),
    ("seq", 2, seq),
    ("deepSeq", 2, deep_seq),
    ("trace", 2, trace),
    ("addErrorContext", 2, add_error_context),
    ("import", 1, import),
    ("scopedImport", 2, scoped_import),
    ("getEnv", 1, get_env),
    ("placeholder", 1, placeholder),
    ("findFile", 2, find_file),
];

fn throw(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    // Nix reports a thrown error without a position.
    Err(EvalError::new(ErrorKind::Throw, s.s, Pos::NONE))
}

fn abort(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!(
            "evaluation aborted with the following error message: '{}'",
            s.s
        ),
        // As for `throw`, Nix names no position.
        Pos::NONE,
    ))
}

fn try_eval(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    match ev.force(a[0].clone()) {
        Ok(v) => Ok(mk_attrs(vec![("success", Value::Bool(true)), ("value", v)])),
        Err(e) if matches!(e.kind(), ErrorKind::Throw | ErrorKind::Assert) => Ok(mk_attrs(vec![
            ("success", Value::Bool(false)),
            ("value", Value::Bool(false)),
        ])),
        Err(e) => Err(e),
    }
}

fn seq(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    ev.force(a[0].clone())?;
    ev.force(a[1].clone())
}

fn deep_seq(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    ev.force_deep(a[0].clone())?;
    ev.force(a[1].clone())
}

fn trace(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    let v = ev.force(a[0].clone())?;
    match &v {
        Value::String(s) => eprintln!("trace: {}", s.s),
        v => eprintln!("trace: {}", crate::print::print_value(v)),
    }
    ev.force(a[1].clone())
}

fn add_error_context(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    match ev.force(a[1].clone()) {
        Ok(v) => Ok(v),
        Err(e) => {
            let msg = ev
                .coerce_to_string(a[0].clone(), pos, false, false)
                .map(|s| s.s)
                .unwrap_or_default();
            Err(e.context(pos, msg))
        }
    }
}

fn import_path(ev: &Evaluator, v: &Value, pos: Pos) -> R<String> {
    let p = ev.coerce_to_read_path(v.clone(), pos)?;
    ev.resolve_import_path(&p, pos)
}

fn import(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = import_path(ev, &a[0], pos)?;
    ev.import_file(&p, pos)
}

fn scoped_import(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let scope = ev.force_attrs(a[0].clone(), pos)?;
    let p = import_path(ev, &a[1], pos)?;
    let text = crate::eval::read_source(&p).map_err(|e| {
        EvalError::msg(
            format!("opening file '{p}': {}", crate::eval::io_msg(&e)),
            pos,
        )
    })?;
    let names: HashMap<Sym, u32> = scope
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i as u32))
        .collect();
    let vals = scope.entries.iter().map(|e| e.value.clone()).collect();
    let expr = ev.parse_with_scope(&text, &p, &crate::path::dir_of(&p), Some(names))?;
    let env = Env::new(vals, Some(ev.globals.clone()));
    ev.force(Thunk::value(ThunkState::Expr(expr, env)))
}

fn get_env(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    Ok(Value::str(std::env::var(&name).unwrap_or_default()))
}

/// The placeholder string Nix substitutes for an output's path.
pub(crate) fn placeholder_for(output: &str) -> String {
    xnix_formats::derivation::hash_placeholder(output)
}

fn placeholder(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let out = ev.force_str_no_ctx(a[0].clone(), pos)?;
    Ok(Value::str(placeholder_for(&out)))
}

fn find_file(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let list = ev.force_list(a[0].clone(), pos)?;
    let name = ev.force_str_no_ctx(a[1].clone(), pos)?;
    for item in list.iter() {
        let item = ev.force_attrs(item.clone(), pos)?;
        let prefix = match item.get("prefix") {
            Some(p) => ev.force_str(p.clone(), pos)?,
            None => String::new(),
        };
        let path = match item.get("path") {
            Some(p) => ev.coerce_to_string(p.clone(), pos, false, false)?.s,
            None => return Err(EvalError::msg("attribute 'path' missing", pos)),
        };
        let Some(candidate) = crate::eval::search_path_candidate(&prefix, &path, &name) else {
            continue;
        };
        if std::path::Path::new(&candidate).exists() {
            return Ok(Value::Path(candidate.into()));
        }
    }
    match ev.find_fallback_file(&name) {
        Some(path) => Ok(Value::Path(path.into())),
        None => Err(EvalError::msg(
            format!(
                "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
            ),
            pos,
        )),
    }
}
