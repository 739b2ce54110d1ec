//! List builtins.

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, Sym, Thunk, ThunkState, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("length", 1, length),
    ("head", 1, head),
    ("tail", 1, tail),
    ("elemAt", 2, elem_at),
    ("elem", 2, elem),
    ("map", 2, map),
    ("filter", 2, filter),
    ("foldl'", 3, foldl),
    ("genList", 2, gen_list),
    ("concatLists", 1, concat_lists),
    ("concatMap", 2, concat_map),
    ("all", 2, all),
    ("any", 2, any),
    ("sort", 2, sort),
    ("partition", 2, partition),
    ("groupBy", 2, group_by),
    ("genericClosure", 1, generic_closure),
];

fn length(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    Ok(Value::Int(ev.force_list(a[0].clone(), pos)?.len() as i64))
}

fn head(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[0].clone(), pos)?;
    match l.first() {
        Some(v) => ev.force(v.clone()),
        None => Err(EvalError::msg(
            "'builtins.head' called on an empty list",
            pos,
        )),
    }
}

fn tail(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[0].clone(), pos)?;
    if l.is_empty() {
        return Err(EvalError::msg("'tail' called on an empty list", pos));
    }
    Ok(Value::list(l[1..].to_vec()))
}

fn elem_at(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[0].clone(), pos)?;
    let i = ev.force_int(a[1].clone(), pos)?;
    if i < 0 || i as usize >= l.len() {
        return Err(EvalError::msg(
            format!("list index {i} is out of bounds"),
            pos,
        ));
    }
    ev.force(l[i as usize].clone())
}

fn elem(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[1].clone(), pos)?;
    for x in l.iter() {
        if ev.eq_values(&a[0], x, pos, false)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn map(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[1].clone(), pos)?;
    let f = a[0].clone();
    Ok(Value::list(
        l.iter()
            .map(|x| Thunk::value(ThunkState::Apply(f.clone(), x.clone())))
            .collect(),
    ))
}

fn filter(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[1].clone(), pos)?;
    let f = ev.force_function(a[0].clone(), pos)?;
    let mut out = Vec::new();
    let mut all = true;
    for x in l.iter() {
        if ev.force_bool(ev.apply(f.clone(), x.clone(), pos)?, pos)? {
            out.push(x.clone());
        } else {
            all = false;
        }
    }
    if all {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

fn foldl(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[2].clone(), pos)?;
    let mut acc = a[1].clone();
    for x in l.iter() {
        acc = ev.apply2(f.clone(), acc, x.clone(), pos)?;
    }
    ev.force(acc)
}

fn gen_list(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let n = ev.force_int(a[1].clone(), pos)?;
    if n < 0 {
        return Err(EvalError::msg(
            format!("cannot create list of size {n}"),
            pos,
        ));
    }
    let f = a[0].clone();
    Ok(Value::list(
        (0..n)
            .map(|i| Thunk::value(ThunkState::Apply(f.clone(), Value::Int(i))))
            .collect(),
    ))
}

fn concat_lists(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let l = ev.force_list(a[0].clone(), pos)?;
    let mut out = Vec::new();
    for x in l.iter() {
        out.extend(ev.force_list(x.clone(), pos)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn concat_map(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.apply(f.clone(), x.clone(), pos)?;
        out.extend(ev.expect_list(r, pos)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn all(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    for x in l.iter() {
        if !ev.force_bool(ev.apply(f.clone(), x.clone(), pos)?, pos)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    for x in l.iter() {
        if ev.force_bool(ev.apply(f.clone(), x.clone(), pos)?, pos)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// Stable merge sort with a fallible comparator.
fn merge_sort(v: &mut Vec<Value>, less: &mut dyn FnMut(&Value, &Value) -> R<bool>) -> R<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    if n <= 8 {
        // Insertion sort: stable.
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(&v[j], &v[j - 1])? {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return Ok(());
    }
    let mut right = v.split_off(n / 2);
    merge_sort(v, less)?;
    merge_sort(&mut right, less)?;
    let left = std::mem::take(v);
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if less(&right[j], &left[i])? {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    *v = out;
    Ok(())
}

fn sort(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let mut v: Vec<Value> = Vec::with_capacity(l.len());
    for x in l.iter() {
        v.push(ev.force(x.clone())?);
    }
    // As Nix does, the `lessThan` builtin as comparator is run directly.
    if matches!(&f, Value::PrimOp(op) if op.name == "lessThan") {
        merge_sort(&mut v, &mut |x, y| ev.less_than(x, y, pos))?;
    } else {
        merge_sort(&mut v, &mut |x, y| {
            let r = ev.apply2(f.clone(), x.clone(), y.clone(), pos)?;
            ev.force_bool(r, pos)
        })?;
    }
    Ok(Value::list(v))
}

fn partition(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        if ev.force_bool(ev.apply(f.clone(), x.clone(), pos)?, pos)? {
            right.push(x.clone());
        } else {
            wrong.push(x.clone());
        }
    }
    Ok(mk_attrs(vec![
        ("right", Value::list(right)),
        ("wrong", Value::list(wrong)),
    ]))
}

fn group_by(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let f = ev.force_function(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let mut groups: std::collections::BTreeMap<Sym, Vec<Value>> = std::collections::BTreeMap::new();
    for x in l.iter() {
        let k = ev.apply(f.clone(), x.clone(), pos)?;
        let k = ev.force_str_no_ctx(k, pos)?;
        groups.entry(k.into()).or_default().push(x.clone());
    }
    Ok(Value::attrs(Attrs::new(
        groups
            .into_iter()
            .map(|(name, v)| Attr {
                name,
                value: Value::list(v),
                pos: Pos::NONE,
            })
            .collect(),
    )))
}

fn generic_closure(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let args = ev.force_attrs(a[0].clone(), pos)?;
    let start = args
        .get("startSet")
        .ok_or_else(|| EvalError::msg("attribute 'startSet' required", pos))?;
    let op = args
        .get("operator")
        .ok_or_else(|| EvalError::msg("attribute 'operator' required", pos))?;
    let op = ev.force_function(op.clone(), pos)?;
    let mut work: std::collections::VecDeque<Value> =
        ev.force_list(start.clone(), pos)?.iter().cloned().collect();
    // Keys are kept sorted with Nix's `<`, so incomparable keys are an error as in Nix.
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    while let Some(item) = work.pop_front() {
        let s = ev.force_attrs(item.clone(), pos)?;
        let key = s
            .get("key")
            .ok_or_else(|| EvalError::msg("attribute 'key' required", pos))?;
        let key = ev.force(key.clone())?;
        let mut lo = 0;
        let mut hi = seen.len();
        let mut found = false;
        while lo < hi {
            let mid = (lo + hi) / 2;
            if ev.less_than(&seen[mid], &key, pos)? {
                lo = mid + 1;
            } else if ev.less_than(&key, &seen[mid], pos)? {
                hi = mid;
            } else {
                found = true;
                break;
            }
        }
        if found {
            continue;
        }
        seen.insert(lo, key);
        out.push(item.clone());
        let next = ev.apply(op.clone(), item, pos)?;
        work.extend(ev.expect_list(next, pos)?.iter().cloned());
    }
    Ok(Value::list(out))
}
