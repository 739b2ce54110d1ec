//! JSON and TOML: `toJSON`, `fromJSON`, `fromTOML`.

use super::json_parse::{parse_json, Json};
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

/// A `serde_json` value as a Nix value (for JSON that xnix itself produced).
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

/// A decoded JSON document as a Nix value (numbers and duplicate keys as Nix 2.8 takes them).
fn decoded_to_value(j: Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        // Nix stores unsigned numbers in its signed integers: large ones wrap.
        Json::Unsigned(u) => Value::Int(u as i64),
        Json::Integer(i) => Value::Int(i),
        Json::Float(f) => Value::Float(f),
        // Nix's strings end at a NUL character; the reader checked the bytes are UTF-8.
        Json::String(mut s) => {
            if let Some(i) = s.iter().position(|&b| b == 0) {
                s.truncate(i);
            }
            Value::str(crate::bytes::from_bytes(&s))
        }
        Json::Array(a) => Value::list(a.into_iter().map(decoded_to_value).collect()),
        Json::Object(o) => Value::attrs(Attrs::from_unsorted(
            o.into_iter()
                .map(|(k, v)| Attr {
                    name: crate::bytes::from_bytes(&k).as_str().into(),
                    value: decoded_to_value(v),
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
    // Nix's message names no position of its own, only the call as context.
    let j = parse_json(&crate::bytes::to_bytes(&s.s)).map_err(|msg| {
        EvalError::msg(msg, Pos::NONE).context(pos, "while decoding a JSON string")
    })?;
    Ok(decoded_to_value(j))
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
