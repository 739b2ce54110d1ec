//! `builtins.toXML`, in the XML dialect Nix writes.

use std::collections::HashSet;

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{merge_ctx, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[("toXML", 1, to_xml)];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
    fn attrs(&mut self, attrs: &[(&str, String)]) {
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }
    fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(" />\n");
    }
}

fn write_value(
    ev: &Evaluator,
    v: &Value,
    w: &mut Writer,
    ctx: &mut Vec<String>,
    drvs_seen: &mut HashSet<String>,
    pos: Pos,
) -> R<()> {
    // Nested data recurses here once per level.
    ev.check_stack(pos)?;
    let v = ev.force(v.clone())?;
    match &v {
        Value::Null => w.empty("null", &[]),
        Value::Bool(b) => w.empty(
            "bool",
            &[("value", if *b { "true" } else { "false" }.to_string())],
        ),
        Value::Int(i) => w.empty("int", &[("value", i.to_string())]),
        Value::Float(f) => w.empty("float", &[("value", crate::print::fmt_float(*f))]),
        Value::String(s) => {
            merge_ctx(ctx, &s.ctx);
            w.empty("string", &[("value", s.s.clone())])
        }
        Value::Path(p) => w.empty("path", &[("value", p.to_string())]),
        Value::Attrs(a) => {
            let mut name = "attrs";
            let mut xattrs = Vec::new();
            if ev.is_derivation(a)? {
                name = "derivation";
                let mut drv_path = None;
                if let Some(d) = a.get("drvPath") {
                    if let Value::String(s) = ev.force(d.clone())? {
                        xattrs.push(("drvPath", s.s.clone()));
                        drv_path = Some(s.s.clone());
                    }
                }
                if let Some(o) = a.get("outPath") {
                    if let Value::String(s) = ev.force(o.clone())? {
                        xattrs.push(("outPath", s.s.clone()));
                    }
                }
                if let Some(d) = drv_path {
                    if !drvs_seen.insert(d) {
                        w.open(name, &xattrs);
                        w.empty("repeated", &[]);
                        w.close(name);
                        return Ok(());
                    }
                }
            }
            w.open(name, &xattrs);
            for attr in &a.entries {
                w.open("attr", &[("name", attr.name.to_string())]);
                write_value(ev, &attr.value, w, ctx, drvs_seen, pos)?;
                w.close("attr");
            }
            w.close(name);
        }
        Value::List(l) => {
            w.open("list", &[]);
            for x in l.iter() {
                write_value(ev, x, w, ctx, drvs_seen, pos)?;
            }
            w.close("list");
        }
        Value::Lambda(c) => {
            w.open("function", &[]);
            match &c.def.formals {
                None => w.empty(
                    "varpat",
                    &[("name", c.def.arg.as_deref().unwrap_or("").to_string())],
                ),
                Some(f) => {
                    let mut xattrs = Vec::new();
                    if f.ellipsis {
                        xattrs.push(("ellipsis", "1".to_string()));
                    }
                    if let Some(a) = &c.def.arg {
                        xattrs.push(("name", a.to_string()));
                    }
                    w.open("attrspat", &xattrs);
                    let mut names: Vec<&str> = f.entries.iter().map(|(n, _)| &**n).collect();
                    names.sort();
                    for n in names {
                        w.empty("attr", &[("name", n.to_string())]);
                    }
                    w.close("attrspat");
                }
            }
            w.close("function");
        }
        Value::PrimOp(_) | Value::PrimOpApp(_) => w.empty("unevaluated", &[]),
        Value::Thunk(_) => {
            return Err(EvalError::msg(
                "internal error: unforced value in toXML",
                pos,
            ))
        }
    }
    Ok(())
}

fn to_xml(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let mut w = Writer {
        out: String::from("<?xml version='1.0' encoding='utf-8'?>\n"),
        depth: 0,
    };
    let mut ctx = Vec::new();
    w.open("expr", &[]);
    write_value(ev, &a[0], &mut w, &mut ctx, &mut HashSet::new(), pos)?;
    w.close("expr");
    Ok(Value::str_ctx(w.out, ctx))
}
