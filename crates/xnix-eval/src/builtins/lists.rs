//! List builtins.

use std::rc::Rc;

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, NixString, Pos, Sym, Thunk, ThunkState, Value};
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
        None => Err(EvalError::msg("list index 0 is out of bounds", pos)),
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
            .map(|x| Thunk::value(ThunkState::Apply(Box::new((f.clone(), x.clone())))))
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
            .map(|i| Thunk::value(ThunkState::Apply(Box::new((f.clone(), Value::Int(i))))))
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

type Less<'a> = dyn FnMut(&Value, &Value) -> R<bool> + 'a;

/// Stable sort with a fallible comparator, doing exactly the comparisons and moves of the
/// C++ library's `std::stable_sort` (with its full temporary buffer), which Nix uses: for a
/// comparator that is not a strict weak order the result depends on that sequence.
fn merge_sort(v: &mut [Value], less: &mut Less) -> R<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    let middle = n.div_ceil(2);
    let mut buf: Vec<Value> = v.to_vec();
    merge_sort_with_buffer(&mut v[..middle], &mut buf, less)?;
    merge_sort_with_buffer(&mut v[middle..], &mut buf, less)?;
    let (len1, len2) = (middle, n - middle);
    if len1 <= len2 {
        buf[..len1].clone_from_slice(&v[..middle]);
        // Forward merge of buffer[..len1] and v[middle..] into v.
        let (mut i, mut j, mut out) = (0, middle, 0);
        while i < len1 && j < n {
            if less(&v[j], &buf[i])? {
                v[out] = v[j].clone();
                j += 1;
            } else {
                v[out] = buf[i].clone();
                i += 1;
            }
            out += 1;
        }
        while i < len1 {
            v[out] = buf[i].clone();
            i += 1;
            out += 1;
        }
    } else {
        buf[..len2].clone_from_slice(&v[middle..]);
        // Backward merge of v[..middle] and buffer[..len2] into v.
        let mut result = n;
        let (mut last1, mut last2) = (middle - 1, len2 - 1);
        loop {
            if less(&buf[last2], &v[last1])? {
                result -= 1;
                v[result] = v[last1].clone();
                if last1 == 0 {
                    for k in (0..=last2).rev() {
                        result -= 1;
                        v[result] = buf[k].clone();
                    }
                    break;
                }
                last1 -= 1;
            } else {
                result -= 1;
                v[result] = buf[last2].clone();
                if last2 == 0 {
                    break;
                }
                last2 -= 1;
            }
        }
    }
    Ok(())
}

/// Insertion sort of chunks of 7, then merge passes alternating between `v` and `buf`.
fn merge_sort_with_buffer(v: &mut [Value], buf: &mut [Value], less: &mut Less) -> R<()> {
    const CHUNK: usize = 7;
    let len = v.len();
    let mut start = 0;
    while start < len {
        insertion_sort(&mut v[start..(start + CHUNK).min(len)], less)?;
        start += CHUNK;
    }
    let mut step = CHUNK;
    while step < len {
        merge_sort_loop(v, &mut buf[..len], step, less)?;
        step *= 2;
        merge_sort_loop(&buf[..len], v, step, less)?;
        step *= 2;
    }
    Ok(())
}

fn insertion_sort(v: &mut [Value], less: &mut Less) -> R<()> {
    for i in 1..v.len() {
        if less(&v[i], &v[0])? {
            let val = v[i].clone();
            for k in (0..i).rev() {
                v[k + 1] = v[k].clone();
            }
            v[0] = val;
        } else {
            let val = v[i].clone();
            let mut last = i;
            while less(&val, &v[last - 1])? {
                v[last] = v[last - 1].clone();
                last -= 1;
            }
            v[last] = val;
        }
    }
    Ok(())
}

/// Merge neighbouring runs of `step` elements of `src` into `dst`.
fn merge_sort_loop(src: &[Value], dst: &mut [Value], step: usize, less: &mut Less) -> R<()> {
    let len = src.len();
    let mut first = 0;
    let mut out = 0;
    while len - first >= 2 * step {
        out = move_merge(src, first, first + step, first + 2 * step, dst, out, less)?;
        first += 2 * step;
    }
    let s = (len - first).min(step);
    move_merge(src, first, first + s, len, dst, out, less)?;
    Ok(())
}

/// Merge `src[a..mid]` and `src[mid..end]` into `dst` from `out`; returns the end.
fn move_merge(
    src: &[Value],
    a: usize,
    mid: usize,
    end: usize,
    dst: &mut [Value],
    mut out: usize,
    less: &mut Less,
) -> R<usize> {
    let (mut i, mut j) = (a, mid);
    while i < mid && j < end {
        if less(&src[j], &src[i])? {
            dst[out] = src[j].clone();
            j += 1;
        } else {
            dst[out] = src[i].clone();
            i += 1;
        }
        out += 1;
    }
    for k in (i..mid).chain(j..end) {
        dst[out] = src[k].clone();
        out += 1;
    }
    Ok(out)
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

/// A string key of `genericClosure`: keys compare by their characters only, as Nix's `<`
/// compares strings.
struct StringKey(Rc<NixString>);

impl PartialEq for StringKey {
    fn eq(&self, other: &StringKey) -> bool {
        self.0.s == other.0.s
    }
}

impl Eq for StringKey {}

impl std::hash::Hash for StringKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.s.hash(h)
    }
}

fn generic_closure(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let args = ev.force_attrs(a[0].clone(), pos)?;
    let start = args.get("startSet").ok_or_else(|| {
        EvalError::msg(
            "attribute 'startSet' missing for call to 'genericClosure'",
            pos,
        )
    })?;
    let op = args.get("operator").ok_or_else(|| {
        EvalError::msg(
            "attribute 'operator' missing for call to 'genericClosure'",
            pos,
        )
    })?;
    let op = ev.force_function(op.clone(), pos)?;
    let mut work: std::collections::VecDeque<Value> =
        ev.force_list(start.clone(), pos)?.iter().cloned().collect();
    // Keys are kept sorted with Nix's `<`, so incomparable keys are an error as in Nix.
    let mut seen: Vec<Value> = Vec::new();
    // While every key is a string (the module system's keys), no comparison can fail and
    // only equality matters: a hash set answers without the sorted vector's insertions,
    // which are quadratic in the number of keys. The first key of another type turns the
    // set into the sorted vector, which is what it would have held.
    let mut string_keys: Option<std::collections::HashSet<StringKey>> = Some(Default::default());
    let mut out = Vec::new();
    while let Some(item) = work.pop_front() {
        let s = ev.force_attrs(item.clone(), pos)?;
        let key = s
            .get("key")
            .ok_or_else(|| EvalError::msg("attribute 'key' required", pos))?;
        let key = ev.force(key.clone())?;
        if let Some(set) = &mut string_keys {
            if let Value::String(k) = &key {
                if set.insert(StringKey(k.clone())) {
                    out.push(item.clone());
                    let next = ev.apply(op.clone(), item, pos)?;
                    work.extend(ev.expect_list(next, pos)?.iter().cloned());
                }
                continue;
            }
            let mut keys: Vec<StringKey> = set.drain().collect();
            keys.sort_by(|x, y| x.0.s.cmp(&y.0.s));
            seen = keys.into_iter().map(|k| Value::String(k.0)).collect();
            string_keys = None;
        }
        let mut lo = 0;
        let mut hi = seen.len();
        let mut found = false;
        while lo < hi {
            let mid = (lo + hi) / 2;
            // The new key on the left first, as Nix's std::set does when inserting, so
            // that incomparable keys are named in Nix's order.
            if ev.less_than(&key, &seen[mid], pos)? {
                hi = mid;
            } else if ev.less_than(&seen[mid], &key, pos)? {
                lo = mid + 1;
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
