//! Coercion to strings and paths (string interpolation, `toString`), copying sources.

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use super::{Evaluator, R};
use crate::error::EvalError;
use crate::value::*;

impl Evaluator {
    /// Coerce to a string as interpolation (`coerce_more = false`) or `toString` (`true`) does.
    pub fn coerce_to_string(
        &self,
        v: Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
    ) -> R<NixString> {
        let mut s = String::with_capacity(16);
        let mut ctx = Vec::new();
        self.coerce_into(v, pos, coerce_more, copy_to_store, &mut s, &mut ctx)?;
        Ok(NixString {
            s: crate::bytes::normalize(s),
            ctx,
        })
    }

    pub(crate) fn coerce_into(
        &self,
        v: Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
        out: &mut String,
        ctx: &mut Vec<String>,
    ) -> R<()> {
        let v = self.force(v)?;
        match &v {
            Value::String(s) => {
                out.push_str(&s.s);
                merge_ctx(ctx, &s.ctx);
                return Ok(());
            }
            Value::Path(p) => {
                if copy_to_store {
                    let sp = self.copy_path_to_store(p, pos)?;
                    out.push_str(&sp);
                    merge_ctx(ctx, &[sp]);
                } else {
                    out.push_str(p);
                }
                return Ok(());
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString") {
                    let f = f.clone();
                    let r = self.call(&f, std::slice::from_ref(&v), pos)?;
                    return self.coerce_into(r, pos, coerce_more, copy_to_store, out, ctx);
                }
                if let Some(o) = a.get("outPath") {
                    return self.coerce_into(o.clone(), pos, coerce_more, copy_to_store, out, ctx);
                }
            }
            _ => {}
        }
        if coerce_more {
            match &v {
                Value::Null | Value::Bool(false) => return Ok(()),
                Value::Bool(true) => {
                    out.push('1');
                    return Ok(());
                }
                Value::Int(i) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{i}");
                    return Ok(());
                }
                Value::Float(f) => {
                    out.push_str(&format!("{f:.6}"));
                    return Ok(());
                }
                Value::List(l) => {
                    for (i, x) in l.iter().enumerate() {
                        let x = self.force(x.clone())?;
                        let empty_list = matches!(&x, Value::List(l) if l.is_empty());
                        self.coerce_into(x, pos, coerce_more, copy_to_store, out, ctx)?;
                        if i + 1 < l.len() && !empty_list {
                            out.push(' ');
                        }
                    }
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(EvalError::msg(
            format!("cannot coerce {} to a string", v.type_desc()),
            pos,
        ))
    }

    /// Coerce to an absolute path string (paths, strings starting with `/`, sets with `outPath`).
    pub fn coerce_to_path(&self, v: Value, pos: Pos) -> R<String> {
        let s = self.coerce_to_string(v, pos, false, false)?;
        if !s.s.starts_with('/') {
            return Err(EvalError::msg(
                format!("string '{}' doesn't represent an absolute path", s.s),
                pos,
            ));
        }
        Ok(s.s)
    }

    /// A path to read from, as `readFile`, `import` and the like take it: coerced as
    /// [`Evaluator::coerce_to_path`], the derivation outputs in its context built first
    /// (import from derivation), and a store path mapped to where this machine keeps it.
    pub fn coerce_to_read_path(&self, v: Value, pos: Pos) -> R<String> {
        let s = self.coerce_to_string(v, pos, false, false)?;
        if !s.s.starts_with('/') {
            return Err(EvalError::msg(
                format!("string '{}' doesn't represent an absolute path", s.s),
                pos,
            ));
        }
        self.realise_context(&s.ctx, pos)?;
        Ok(self.host_path(&s.s))
    }

    /// The store path a source path is copied to (computed from its NAR hash; nothing is written).
    pub fn copy_path_to_store(&self, path: &str, pos: Pos) -> R<String> {
        if let Some(p) = self.store_paths.borrow().get(path) {
            return Ok(p.clone());
        }
        let name = crate::path::base_name_of(path);
        let sp = crate::store::add_path_to_store(self, path, &name, pos)?;
        self.store_paths
            .borrow_mut()
            .insert(path.to_string(), sp.clone());
        Ok(sp)
    }
}
