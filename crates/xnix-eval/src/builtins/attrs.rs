//! Attribute set builtins.

use std::rc::Rc;

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, Sym, Thunk, ThunkState, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("attrNames", 1, attr_names),
    ("attrValues", 1, attr_values),
    ("getAttr", 2, get_attr),
    ("hasAttr", 2, has_attr),
    ("removeAttrs", 2, remove_attrs),
    ("listToAttrs", 1, list_to_attrs),
    ("intersectAttrs", 2, intersect_attrs),
    ("catAttrs", 2, cat_attrs),
    ("mapAttrs", 2, map_attrs),
    ("zipAttrsWith", 2, zip_attrs_with),
    ("functionArgs", 1, function_args),
    ("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
];

fn attr_names(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_attrs(a[0].clone(), pos)?;
    Ok(Value::list(
        s.entries.iter().map(|e| ev.name_string(&e.name)).collect(),
    ))
}

fn attr_values(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_attrs(a[0].clone(), pos)?;
    Ok(Value::list(
        s.entries.iter().map(|e| e.value.clone()).collect(),
    ))
}

fn get_attr(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_attrs(a[1].clone(), pos)?;
    match s.get(&name) {
        Some(v) => ev.force(v.clone()),
        None => Err(EvalError::msg(
            // Nix prints the name as a symbol: quoted unless it is an identifier.
            format!(
                "attribute '{}' missing for call to 'getAttr'",
                crate::print::print_attr_name(&name)
            ),
            pos,
        )),
    }
}

fn has_attr(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_attrs(a[1].clone(), pos)?;
    Ok(Value::Bool(s.get(&name).is_some()))
}

fn remove_attrs(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_attrs(a[0].clone(), pos)?;
    let names = ev.force_list(a[1].clone(), pos)?;
    let mut remove = Vec::with_capacity(names.len());
    for n in names.iter() {
        remove.push(ev.force_str_no_ctx(n.clone(), pos)?);
    }
    if remove.is_empty() {
        return Ok(Value::Attrs(s));
    }
    let entries = s
        .entries
        .iter()
        .filter(|e| !remove.iter().any(|r| **r == *e.name))
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::new(entries)))
}

fn list_to_attrs(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[0].clone(), pos)?;
    let mut entries: Vec<Attr> = Vec::with_capacity(l.len());
    // Both names are interned at start-up, so lookups compare pointers.
    static NAME: std::sync::OnceLock<Sym> = std::sync::OnceLock::new();
    static VALUE: std::sync::OnceLock<Sym> = std::sync::OnceLock::new();
    let name_sym = NAME.get_or_init(|| Sym::intern("name"));
    let value_sym = VALUE.get_or_init(|| Sym::intern("value"));
    for item in l.iter() {
        let item = ev.force_attrs(item.clone(), pos)?;
        let name = item.get_sym(name_sym).ok_or_else(|| {
            EvalError::msg("attribute 'name' missing for call to 'listToAttrs'", pos)
        })?;
        let name = ev.force_string_v(name.clone(), pos)?;
        if !name.ctx.is_empty() {
            // Names never refer to store paths: this reports it as Nix does.
            ev.force_str_no_ctx(Value::String(name.clone()), pos)?;
        }
        let value = item.find_sym(value_sym).ok_or_else(|| {
            EvalError::msg("attribute 'value' missing for call to 'listToAttrs'", pos)
        })?;
        entries.push(Attr {
            name: Sym::intern(&name.s),
            value: value.value.clone(),
            pos: value.pos,
        });
    }
    // The first definition of a name wins.
    entries.sort_by(|x, y| x.name.cmp(&y.name));
    entries.dedup_by(|later, earlier| later.name == earlier.name);
    Ok(Value::attrs(Attrs::new(entries)))
}

fn intersect_attrs(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force_attrs(a[0].clone(), pos)?;
    let y = ev.force_attrs(a[1].clone(), pos)?;
    let entries = y
        .entries
        .iter()
        .filter(|e| x.get(&e.name).is_some())
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::new(entries)))
}

fn cat_attrs(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let mut out = Vec::new();
    // Every attribute name is interned, so a name that is not cannot be found; elements
    // still have to be forced (and fail if they are not sets).
    let sym = Sym::existing(&name);
    for item in l.iter() {
        // Elements that are already sets (or forced thunks of sets) are looked into in
        // place: this is the inner loop of the module system's `zipAttrsWith`.
        let found = match item {
            Value::Attrs(s) => Some(sym.as_ref().and_then(|n| s.get_sym(n).cloned())),
            Value::Thunk(t) => t.0.peek(|state| match state {
                ThunkState::Done(Value::Attrs(s)) => {
                    Some(sym.as_ref().and_then(|n| s.get_sym(n).cloned()))
                }
                _ => None,
            }),
            _ => None,
        };
        let found = match found {
            Some(found) => found,
            None => {
                let s = ev.force_attrs(item.clone(), pos)?;
                sym.as_ref().and_then(|n| s.get_sym(n).cloned())
            }
        };
        if let Some(v) = found {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn map_attrs(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_attrs(a[1].clone(), pos)?;
    let f = std::rc::Rc::new(a[0].clone());
    let entries = s
        .entries
        .iter()
        .map(|e| Attr {
            name: e.name.clone(),
            value: Thunk::value(ThunkState::ApplyName(Box::new((
                f.clone(),
                e.name.clone(),
                e.value.clone(),
            )))),
            // Nix gives mapped attributes no position (`unsafeGetAttrPos` is null).
            pos: Pos::NONE,
        })
        .collect();
    Ok(Value::attrs(Attrs::new(entries)))
}

fn zip_attrs_with(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    // Nix forces the function first, even for an empty list.
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    // Groups in order of first appearance, found by the name's address (names are
    // interned), sorted by name once at the end: the module system zips thousands of small
    // sets, where a map ordered by name compared strings on every insertion.
    let mut group_of: std::collections::HashMap<usize, usize, crate::value::FnvBuild> =
        Default::default();
    let mut groups: Vec<(Sym, Vec<Value>)> = Vec::new();
    for item in l.iter() {
        let s = ev.force_attrs(item.clone(), pos)?;
        for e in &s.entries {
            let next = groups.len();
            let g = *group_of.entry(e.name.address()).or_insert(next);
            if g == next {
                groups.push((e.name.clone(), Vec::new()));
            }
            groups[g].1.push(e.value.clone());
        }
    }
    groups.sort_unstable_by(|x, y| x.0.cmp(&y.0));
    // One thunk per name for `f name values`; the name's string is made when it is forced.
    let f = Rc::new(f);
    let entries = groups
        .into_iter()
        .map(|(name, vals)| Attr {
            value: Thunk::value(ThunkState::ApplyName(Box::new((
                f.clone(),
                name.clone(),
                Value::list(vals),
            )))),
            name,
            pos: Pos::NONE,
        })
        .collect();
    Ok(Value::attrs(Attrs::new(entries)))
}

fn function_args(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    match ev.force(a[0].clone())? {
        Value::Lambda(c) => match &c.def.formals {
            None => Ok(Value::attrs(Attrs::default())),
            Some(f) => {
                let entries = f
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, (n, d))| Attr {
                        name: n.clone(),
                        value: Value::Bool(d.is_some()),
                        pos: f.positions.get(i).copied().unwrap_or(c.def.pos),
                    })
                    .collect();
                Ok(Value::attrs(Attrs::from_unsorted(entries)))
            }
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::default())),
        _ => Err(EvalError::msg("'functionArgs' requires a function", pos)),
    }
}

fn unsafe_get_attr_pos(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let name = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_attrs(a[1].clone(), pos)?;
    match s.find(&name) {
        Some(attr) => Ok(ev.pos_value(attr.pos)),
        None => Ok(Value::Null),
    }
}

#[allow(dead_code)]
fn rc_attrs(pairs: Vec<(&str, Value)>) -> Rc<Attrs> {
    match mk_attrs(pairs) {
        Value::Attrs(a) => a,
        _ => unreachable!(),
    }
}
