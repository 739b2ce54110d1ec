//! Printing values as `nix-instantiate --eval` does, and JSON as `--json` / `toJSON` do.

use std::collections::HashSet;
use std::fmt::Write;
use std::rc::Rc;

use crate::error::{EvalError, Result};
use crate::value::{merge_ctx, Pos, Value};
use crate::Evaluator;

/// Format a float as C's `%g` (six significant digits), which is how Nix prints floats.
pub fn fmt_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:.5e}", f);
    let (mant, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if !(-4..6).contains(&exp) {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, f)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Quote a string as a Nix string literal.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a name can be printed unquoted as an attribute name.
pub fn is_plain_attr_name(s: &str) -> bool {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    s != "if" && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-')
}

/// An attribute name as Nix prints it.
pub fn print_attr_name(s: &str) -> String {
    if is_plain_attr_name(s) {
        s.to_string()
    } else {
        escape_string(s)
    }
}

/// Print a value without forcing anything; unevaluated parts print as `<CODE>`.
pub fn print_value(v: &Value) -> String {
    let mut out = String::new();
    let mut seen = HashSet::new();
    // The printed result is a fresh copy in Nix, so the top value has no slot of its own.
    let mut top = v.clone();
    while let Some(inner) = forced_thunk_value(&top) {
        top = inner;
    }
    print_into(&top, None, &mut out, &mut seen);
    out
}

/// The value a forced thunk holds, or `None` for anything else.
fn forced_thunk_value(v: &Value) -> Option<Value> {
    match v {
        Value::Thunk(t) => t.0.done(),
        _ => None,
    }
}

/// Print only the outermost constructor (for debugging).
pub fn print_value_shallow(v: &Value) -> String {
    match v {
        Value::Attrs(_) => "{ ... }".into(),
        Value::List(_) => "[ ... ]".into(),
        v => print_value(v),
    }
}

/// `slot` is the identity of the thunk through which `v` was reached, if any. Nix stores lists
/// of one or two elements inline in the value slot that holds them (larger lists share one
/// element array between copies), so such a list counts as seen again only when it is reached
/// through the same slot; a copy of it (a function result, a branch of `if`) is new.
fn print_into(v: &Value, slot: Option<usize>, out: &mut String, seen: &mut HashSet<usize>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&fmt_float(*f)),
        Value::String(s) => out.push_str(&escape_string(&s.s)),
        Value::Path(p) => out.push_str(p),
        Value::Attrs(a) => {
            if !a.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                out.push_str("«repeated»");
                return;
            }
            out.push_str("{ ");
            for attr in &a.entries {
                out.push_str(&print_attr_name(&attr.name));
                out.push_str(" = ");
                print_into(&attr.value, None, out, seen);
                out.push_str("; ");
            }
            out.push('}');
        }
        Value::List(l) => {
            let identity = if l.len() <= 2 {
                slot
            } else {
                Some(Rc::as_ptr(l) as *const u8 as usize)
            };
            if let Some(identity) = identity.filter(|_| !l.is_empty()) {
                if !seen.insert(identity) {
                    out.push_str("«repeated»");
                    return;
                }
            }
            out.push_str("[ ");
            for x in l.iter() {
                print_into(x, None, out, seen);
                out.push(' ');
            }
            out.push(']');
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(_) => out.push_str("<PRIMOP>"),
        Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
        // The outermost thunk is the slot; thunks forced to other thunks copy the value.
        Value::Thunk(t) => match t.0.done() {
            Some(v) => print_into(
                &v,
                Some(slot.unwrap_or(Rc::as_ptr(t) as *const u8 as usize)),
                out,
                seen,
            ),
            None => out.push_str("<CODE>"),
        },
    }
}

/// Escape a string for JSON as Nix does.
pub fn json_escape(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Evaluator {
    /// Convert a value to JSON text as `builtins.toJSON` does, collecting string context.
    pub fn to_json(
        &self,
        v: Value,
        pos: Pos,
        copy_to_store: bool,
        ctx: &mut Vec<String>,
    ) -> Result<String> {
        let mut out = String::new();
        self.json_into(v, pos, copy_to_store, ctx, &mut out)?;
        Ok(out)
    }

    /// Append a value's JSON text to `out` as `nix-instantiate --eval --json` streams it:
    /// when converting fails part way, `out` keeps the text written before the failure
    /// (Nix has printed it by then too).
    pub fn to_json_into(
        &self,
        v: Value,
        pos: Pos,
        copy_to_store: bool,
        ctx: &mut Vec<String>,
        out: &mut String,
    ) -> Result<()> {
        self.json_into(v, pos, copy_to_store, ctx, out)
    }

    fn json_into(
        &self,
        v: Value,
        pos: Pos,
        copy: bool,
        ctx: &mut Vec<String>,
        out: &mut String,
    ) -> Result<()> {
        // Nested (possibly self-referencing) data recurses here once per level.
        self.check_stack(pos)?;
        let v = self.force(v)?;
        match &v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&fmt_float(*f)),
            Value::String(s) => {
                merge_ctx(ctx, &s.ctx);
                json_escape(&s.s, out);
            }
            Value::Path(p) => {
                if copy {
                    let sp = self.copy_path_to_store(p, pos)?;
                    json_escape(&sp, out);
                    merge_ctx(ctx, &[sp]);
                } else {
                    json_escape(p, out);
                }
            }
            Value::Attrs(a) => {
                if a.get("__toString").is_some() {
                    let s = self.coerce_to_string(v.clone(), pos, false, copy)?;
                    merge_ctx(ctx, &s.ctx);
                    json_escape(&s.s, out);
                    return Ok(());
                }
                if let Some(o) = a.get("outPath") {
                    return self.json_into(o.clone(), pos, copy, ctx, out);
                }
                out.push('{');
                for (i, attr) in a.entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_escape(&attr.name, out);
                    out.push(':');
                    if let Err(e) = self.json_into(attr.value.clone(), pos, copy, ctx, out) {
                        // Nix's JSON writer closes every open object and list while the
                        // error unwinds, so its partial output ends with the closers.
                        out.push('}');
                        return Err(e);
                    }
                }
                out.push('}');
            }
            Value::List(l) => {
                out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if let Err(e) = self.json_into(x.clone(), pos, copy, ctx, out) {
                        out.push(']');
                        return Err(e);
                    }
                }
                out.push(']');
            }
            _ => {
                return Err(EvalError::msg(
                    format!("cannot convert {} to JSON", v.type_desc()),
                    pos,
                ))
            }
        }
        Ok(())
    }

    /// Render an error as Nix does: the message, the position with the source line marked, and
    /// (with `show_trace`) the contexts.
    pub fn format_error(&self, e: &EvalError, show_trace: bool) -> String {
        let mut out = String::from("error: ");
        push_message_lines(&mut out, e.message());
        let push_pos = |out: &mut String, pos: Pos| {
            if let Some((file, line, col)) = self.pos_info(pos) {
                let _ = write!(out, "\n\n       at {file}:{line}:{col}:\n");
                let files = self.files.borrow();
                let text = &files[pos.file as usize].text;
                let lines: Vec<&str> = text.split('\n').collect();
                out.push('\n');
                if line >= 2 {
                    if let Some(prev) = lines.get(line - 2) {
                        let _ = writeln!(out, "{:>13}| {}", line - 1, prev.trim_end_matches('\r'));
                    }
                }
                if let Some(cur) = lines.get(line - 1) {
                    let _ = writeln!(out, "{:>13}| {}", line, cur.trim_end_matches('\r'));
                    let _ = write!(out, "{:>13}| {:>width$}", "", "^", width = col);
                }
                if let Some(next) = lines.get(line) {
                    if line < lines.len() - 1 || !next.is_empty() {
                        let _ = write!(out, "\n{:>13}| {}", line + 1, next.trim_end_matches('\r'));
                    }
                }
            }
        };
        push_pos(&mut out, e.pos());
        if !e.suggestions().is_empty() {
            out.push_str("\n       ");
            out.push_str(&crate::error::did_you_mean(e.suggestions()));
        }
        if show_trace {
            for f in e.trace() {
                let _ = write!(out, "\n\n       … {}", f.msg);
                push_pos(&mut out, f.pos);
            }
        } else if !e.trace().is_empty() {
            out.push_str("\n(use '--show-trace' to show detailed location information)");
        }
        out
    }
}

/// Append an error message as Nix prints it after `error: `: trailing whitespace is dropped
/// from the whole message and from each line, and every further non-empty line is indented
/// to line up with the text after the prefix.
fn push_message_lines(out: &mut String, message: &str) {
    let message = message.trim_end_matches([' ', '\n', '\r', '\t']);
    for (i, line) in message.split('\n').enumerate() {
        let line = line.trim_end_matches([' ', '\n', '\r', '\t']);
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str("       ");
            }
        }
        out.push_str(line);
    }
}
