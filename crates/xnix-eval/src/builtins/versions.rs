//! Version strings: `parseDrvName`, `compareVersions`, `splitVersion`.

use std::cmp::Ordering;

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("parseDrvName", 1, parse_drv_name),
    ("compareVersions", 2, compare_versions_b),
    ("splitVersion", 1, split_version),
];

fn parse_drv_name(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    // Nix takes a plain string here: no coercion, and no store path context.
    let forced = ev.force_string_v(a[0].clone(), pos)?;
    if let Some(path) = forced.ctx.first() {
        return Err(EvalError::msg(
            format!(
                "the string '{}' is not allowed to refer to a store path (such as '{}')",
                forced.s,
                path.rsplit('!')
                    .next()
                    .unwrap_or(path)
                    .trim_start_matches('=')
            ),
            pos,
        ));
    }
    let s = forced.s.clone();
    let b = s.as_bytes();
    let mut name = s.clone();
    let mut version = String::new();
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            name = s[..i].to_string();
            version = s[i + 1..].to_string();
            break;
        }
    }
    Ok(mk_attrs(vec![
        ("name", Value::str(name)),
        ("version", Value::str(version)),
    ]))
}

fn next_component(s: &[u8], p: &mut usize) -> String {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !(s[*p].is_ascii_digit() || s[*p] == b'.' || s[*p] == b'-') {
            *p += 1;
        }
    }
    String::from_utf8_lossy(&s[start..*p]).into_owned()
}

fn components_lt(c1: &str, c2: &str) -> bool {
    let n1: Option<i64> = if !c1.is_empty() && c1.bytes().all(|b| b.is_ascii_digit()) {
        c1.parse().ok()
    } else {
        None
    };
    let n2: Option<i64> = if !c2.is_empty() && c2.bytes().all(|b| b.is_ascii_digit()) {
        c2.parse().ok()
    } else {
        None
    };
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Compare two version strings as Nix does.
pub fn compare_versions(v1: &str, v2: &str) -> Ordering {
    let (a, b) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < a.len() || p2 < b.len() {
        let c1 = next_component(a, &mut p1);
        let c2 = next_component(b, &mut p2);
        if components_lt(&c1, &c2) {
            return Ordering::Less;
        }
        if components_lt(&c2, &c1) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

fn compare_versions_b(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let y = ev.force_str_no_ctx(a[1].clone(), pos)?;
    Ok(Value::Int(match compare_versions(&x, &y) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

fn split_version(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let b = s.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < b.len() {
        let c = next_component(b, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::str(c));
    }
    Ok(Value::list(out))
}
