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
    let t: toml::Table = s.parse().map_err(|e: toml::de::Error| {
        let msg = toml11_message(&e, &s).unwrap_or_else(|| e.to_string());
        EvalError::msg(format!("while parsing a TOML string: {msg}"), pos)
    })?;
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

/// The first line of the message Nix 2.8's TOML reader (toml11) gives for the same mistake, for
/// the mistakes whose wording is known; `None` for others.
fn toml11_message(e: &toml::de::Error, text: &str) -> Option<String> {
    let span = e.span()?;
    let before = text.get(..span.start)?.trim_end_matches([' ', '\t']);
    let at = text.get(span.start..).unwrap_or("");
    let msg = e.message();
    let duplicate = |rest: &str| -> Option<String> {
        let key = rest.split('`').nth(1)?;
        // A table defined twice is named a table; anything else a value.
        let header = format!("[{key}]");
        let is_table = text[..span.start]
            .lines()
            .any(|l| l.trim().replace(' ', "") == header);
        let what = if is_table { "table" } else { "value" };
        Some(format!(
            "toml::insert_value: {what} (\"{key}\") already exists."
        ))
    };
    let line = if let Some(rest) = msg.strip_prefix("duplicate key ") {
        duplicate(rest)?
    } else if let Some(rest) = msg.strip_prefix("invalid table header\nduplicate key ") {
        duplicate(rest)?
    } else if msg.is_empty() && before.ends_with('=') {
        "toml::parse_key_value_pair: missing value after key-value separator '='".into()
    } else if msg == "expected `.`, `=`" {
        "toml::parse_key_value_pair: missing key-value separator `=`".into()
    } else if msg == "invalid key" && at.starts_with('=') {
        "toml::parse_key_value_pair: empty key is not allowed.".into()
    } else if msg == "invalid key"
        || msg == "invalid inline table\nexpected `}`"
        || msg == "invalid table header\nexpected `.`, `]`"
    {
        "toml::parse_key: an invalid key appeared.".into()
    } else if msg == "expected newline, `#`" {
        "toml::parse_table: invalid line format".into()
    } else if msg == "invalid basic string" {
        "toml::parse_basic_string: the next token is not a valid string".into()
    } else if msg == "invalid literal string" {
        "toml::parse_literal_string: the next token is not a valid literal string".into()
    } else if msg == "invalid array\nexpected `]`"
        && (before.ends_with(',') || before.ends_with('['))
    {
        "toml::parse_array: value having invalid format appeared in an array".into()
    } else if msg == "invalid array\nexpected `]`" {
        "toml::parse_array: missing array separator `,` after a value".into()
    } else if msg == "invalid hexadecimal integer" {
        "toml::parse_hexadecimal_integer".into()
    } else if msg == "invalid integer\nexpected digit" && before.ends_with('_') {
        return Some("[error] bad integer: `_` should be surrounded by digits".into());
    } else {
        return None;
    };
    Some(format!("[error] {line}"))
}
