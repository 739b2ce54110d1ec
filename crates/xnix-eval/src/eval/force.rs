//! Forcing values: thunks, deep forcing (`--strict`), and forcing to an expected type.

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::rc::Rc;

use super::{attrs_in_symbol_order, Evaluator, R};
use crate::error::{ErrorKind, EvalError};
use crate::value::*;

impl Evaluator {
    // ---------------------------------------------------------------- forcing

    /// Force a value to weak head normal form.
    #[inline]
    pub fn force(&self, v: Value) -> R<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(&t),
            v => Ok(v),
        }
    }

    /// Force a value held by reference: an evaluated value (or an evaluated thunk's value)
    /// is cloned without touching the holder's reference count, which is the common case
    /// for variables and attribute values.
    #[inline]
    pub(crate) fn force_ref(&self, v: &Value) -> R<Value> {
        match v {
            Value::Thunk(t) => {
                if let Some(x) = t.0.done() {
                    return Ok(x);
                }
                self.force_thunk(t)
            }
            v => Ok(v.clone()),
        }
    }

    pub(super) fn force_thunk(&self, t: &Rc<Thunk>) -> R<Value> {
        let early = t.0.peek(|s| match s {
            ThunkState::Done(v) => Some(Ok(v.clone())),
            ThunkState::Blackhole => Some(Err(EvalError::new(
                ErrorKind::InfiniteRecursion,
                "infinite recursion encountered",
                Pos::NONE,
            ))),
            _ => None,
        });
        if let Some(r) = early {
            return r;
        }
        // SAFETY (this and the two below): no `peek` of this thunk is in progress; the
        // evaluation in between sees the black hole and never holds a reference into it.
        let state = unsafe { t.0.replace(ThunkState::Blackhole) };
        let r = match &state {
            ThunkState::Expr(e, env) => self.eval(e, env),
            ThunkState::Apply(app) => self
                .force(app.0.clone())
                .and_then(|f| self.apply(f, app.1.clone(), Pos::NONE)),
            ThunkState::ApplyName(app) => {
                let (f, name, v) = &**app;
                self.force((**f).clone())
                    .and_then(|f| self.apply2(f, self.name_string(name), v.clone(), Pos::NONE))
            }
            ThunkState::Native(f) => f(self),
            ThunkState::Blackhole | ThunkState::Done(_) => unreachable!(),
        };
        match r {
            Ok(v) => {
                let old = unsafe { t.0.replace(ThunkState::Done(v.clone())) };
                // Still the black hole put there above (forcing it again only reports
                // infinite recursion): it owns nothing, so dropping it is skipped.
                debug_assert!(matches!(old, ThunkState::Blackhole));
                std::mem::forget(old);
                Ok(v)
            }
            Err(e) => {
                drop(unsafe { t.0.replace(state) });
                Err(e)
            }
        }
    }

    /// The string value of an attribute name, made once per name.
    pub(crate) fn name_string(&self, name: &Sym) -> Value {
        self.name_strings
            .borrow_mut()
            .entry(name.address())
            .or_insert_with(|| Value::str(&**name))
            .clone()
    }

    /// Whether a value is an unevaluated thunk.
    pub fn is_unforced(v: &Value) -> bool {
        match v {
            Value::Thunk(t) => t.0.peek(|s| !matches!(s, ThunkState::Done(_))),
            _ => false,
        }
    }

    /// Force deeply (as `deepSeq` and `--strict`): every list element and attribute value.
    pub fn force_deep(&self, v: Value) -> R<Value> {
        let v = self.force(v)?;
        let mut seen = std::collections::HashSet::new();
        self.force_deep_inner(&v, &mut seen)?;
        Ok(v)
    }

    pub(super) fn force_deep_inner(
        &self,
        v: &Value,
        seen: &mut std::collections::HashSet<usize>,
    ) -> R<()> {
        self.check_stack(Pos::NONE)?;
        match v {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as usize) {
                    return Ok(());
                }
                // Nix visits attributes in symbol order (see `Sym::seq`).
                for attr in attrs_in_symbol_order(&a.entries) {
                    let x = self.force(attr.value.clone()).map_err(|e| {
                        e.context(
                            attr.pos,
                            format!("while evaluating the attribute '{}'", attr.name),
                        )
                    })?;
                    self.force_deep_inner(&x, seen)?;
                }
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Ok(());
                }
                for x in l.iter() {
                    let x = self.force(x.clone())?;
                    self.force_deep_inner(&x, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    // ---------------------------------------------------------------- coercions

    /// Force to an attribute set or fail with Nix's type error.
    pub fn force_attrs(&self, v: Value, pos: Pos) -> R<Rc<Attrs>> {
        let v = self.force(v)?;
        self.expect_attrs(v, pos)
    }

    pub(crate) fn expect_attrs(&self, v: Value, pos: Pos) -> R<Rc<Attrs>> {
        match v {
            Value::Attrs(a) => Ok(a),
            v => Err(type_error(&v, "a set", pos)),
        }
    }

    /// Force to a list.
    pub fn force_list(&self, v: Value, pos: Pos) -> R<Rc<Vec<Value>>> {
        let v = self.force(v)?;
        self.expect_list(v, pos)
    }

    pub(crate) fn expect_list(&self, v: Value, pos: Pos) -> R<Rc<Vec<Value>>> {
        match v {
            Value::List(l) => Ok(l),
            v => Err(type_error(&v, "a list", pos)),
        }
    }

    /// Force to an integer.
    pub fn force_int(&self, v: Value, pos: Pos) -> R<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            v => Err(type_error(&v, "an integer", pos)),
        }
    }

    /// Force to a Boolean.
    pub fn force_bool(&self, v: Value, pos: Pos) -> R<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_error(&v, "a Boolean", pos)),
        }
    }

    /// Force to a function.
    pub fn force_function(&self, v: Value, pos: Pos) -> R<Value> {
        let v = self.force(v)?;
        if v.is_function() || matches!(&v, Value::Attrs(a) if a.get("__functor").is_some()) {
            Ok(v)
        } else {
            Err(type_error(&v, "a function", pos))
        }
    }

    /// Force to a string (no coercion), keeping its context.
    pub fn force_string_v(&self, v: Value, pos: Pos) -> R<Rc<NixString>> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            v => Err(type_error(&v, "a string", pos)),
        }
    }

    /// Force to a string that must not refer to store paths (attribute names, regexes,
    /// versions and the like), and return its characters.
    pub fn force_str_no_ctx(&self, v: Value, pos: Pos) -> R<String> {
        let s = self.force_string_v(v, pos)?;
        if let Some(path) = s.ctx.first() {
            return Err(EvalError::msg(
                format!(
                    "the string '{}' is not allowed to refer to a store path (such as '{}')",
                    s.s,
                    path.rsplit('!')
                        .next()
                        .unwrap_or(path)
                        .trim_start_matches('=')
                ),
                pos,
            ));
        }
        Ok(s.s.clone())
    }

    /// Force to a string and return its characters.
    pub fn force_str(&self, v: Value, pos: Pos) -> R<String> {
        Ok(self.force_string_v(v, pos)?.s.clone())
    }

    /// Select an attribute of a value (forcing both).
    pub fn select_attr(&self, v: Value, name: &str, pos: Pos) -> R<Value> {
        let a = self.force_attrs(v, pos)?;
        match a.get(name) {
            Some(x) => self.force(x.clone()),
            None => Err(self.missing_attr(name, &a, pos)),
        }
    }
}

/// Nix's error for a value of the wrong type: `value is <type> while <expected> was expected`.
pub(crate) fn type_error(v: &Value, expected: &str, pos: Pos) -> EvalError {
    EvalError::msg(
        format!("value is {} while {expected} was expected", v.type_desc()),
        pos,
    )
}
