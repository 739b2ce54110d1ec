//! JSON and TOML: `toJSON`, `fromJSON`, `fromTOML`.

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("toJSON", 1, to_json),
    ("fromJSON", 1, from_json),
    ("fromTOML", 1, from_toml),
];

fn to_json(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let mut ctx = Vec::new();
    let s = ev.to_json(a[0].clone(), pos, true, &mut ctx)?;
    Ok(Value::str_ctx(s, ctx))
}

pub(super) fn json_to_value(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::Int(u as i64),
            _ => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        // Nix's strings end at a NUL character.
        serde_json::Value::String(mut s) => {
            if let Some(i) = s.find('\0') {
                s.truncate(i);
            }
            Value::str(s)
        }
        serde_json::Value::Array(a) => Value::list(a.into_iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::attrs(Attrs::from_unsorted(
            o.into_iter()
                .map(|(k, v)| Attr {
                    name: k.into(),
                    value: json_to_value(v),
                    pos: Pos::NONE,
                })
                .collect(),
        )),
    }
}

fn from_json(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_string_v(a[0].clone(), pos)?;
    if !s.ctx.is_empty() {
        return Err(EvalError::msg(
            format!(
                "the string '{}' is not allowed to refer to a store path (such as '{}')",
                s.s, s.ctx[0]
            ),
            pos,
        ));
    }
    let s = &s.s;
    // Raw bytes that are not UTF-8 (kept as private characters) make the JSON ill-formed.
    if std::str::from_utf8(&crate::bytes::to_bytes(s)).is_err() {
        return Err(EvalError::msg(
            "while decoding a JSON string: ill-formed UTF-8 byte",
            pos,
        ));
    }
    let j: serde_json::Value = serde_json::from_str(s)
        .map_err(|e| EvalError::msg(format!("while decoding a JSON string: {e}"), pos))?;
    let v = json_to_value(j);
    // The JSON parser reads the integer `-0` as the float -0.0; Nix reads it as the integer 0.
    // Only the text tells them apart, so this is decided for the whole document.
    let (int_zero, float_zero) = negative_zero_literals(s);
    if int_zero && !float_zero {
        return Ok(negative_zero_to_int(v));
    }
    Ok(v)
}

/// Whether the JSON text has the literal `-0` as an integer, and as a float (`-0.0`, `-0e1`).
fn negative_zero_literals(text: &str) -> (bool, bool) {
    let b = text.as_bytes();
    let (mut int_zero, mut float_zero, mut in_string) = (false, false, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'-' if !in_string && b.get(i + 1) == Some(&b'0') => match b.get(i + 2) {
                Some(b'.' | b'e' | b'E') => float_zero = true,
                _ => int_zero = true,
            },
            _ => {}
        }
        i += 1;
    }
    (int_zero, float_zero)
}

/// Replace every float -0.0 in a decoded document by the integer 0.
fn negative_zero_to_int(v: Value) -> Value {
    match v {
        Value::Float(f) if f == 0.0 && f.is_sign_negative() => Value::Int(0),
        Value::List(l) => Value::list(l.iter().cloned().map(negative_zero_to_int).collect()),
        Value::Attrs(a) => Value::attrs(Attrs::from_unsorted(
            a.entries
                .iter()
                .map(|e| Attr {
                    name: e.name.clone(),
                    value: negative_zero_to_int(e.value.clone()),
                    pos: e.pos,
                })
                .collect(),
        )),
        v => v,
    }
}

fn toml_to_value(t: toml::Value) -> Value {
    match t {
        toml::Value::String(s) => Value::str(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        // Nix 2.8 rejects dates and times (see `from_toml`); unreachable there.
        toml::Value::Datetime(d) => Value::str(d.to_string()),
        toml::Value::Array(a) => Value::list(a.into_iter().map(toml_to_value).collect()),
        toml::Value::Table(t) => Value::attrs(Attrs::from_unsorted(
            t.into_iter()
                .map(|(k, v)| Attr {
                    name: k.into(),
                    value: toml_to_value(v),
                    pos: Pos::NONE,
                })
                .collect(),
        )),
    }
}

fn from_toml(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let t: toml::Table = s
        .parse()
        .map_err(|e| EvalError::msg(format!("while parsing a TOML string: {e}"), pos))?;
    let v = toml::Value::Table(t);
    if has_datetime(&v) {
        return Err(EvalError::msg(
            "while parsing a TOML string: Dates and times are not supported",
            pos,
        ));
    }
    Ok(toml_to_value(v))
}

fn has_datetime(v: &toml::Value) -> bool {
    match v {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(a) => a.iter().any(has_datetime),
        toml::Value::Table(t) => t.values().any(has_datetime),
        _ => false,
    }
}
