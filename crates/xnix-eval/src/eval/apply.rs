//! Function application: closures, primops, partial applications, and the command line's
//! automatic arguments and attribute paths.

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::rc::Rc;

use super::{attrs_in_symbol_order, Evaluator, R};
use crate::error::EvalError;
use crate::ir::*;
use crate::value::*;

impl Evaluator {
    // ---------------------------------------------------------------- application

    /// Apply a function (forced) to an argument (possibly unforced).
    pub fn apply(&self, f: Value, arg: Value, pos: Pos) -> R<Value> {
        self.check_stack(pos)?;
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, pos),
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    (op.func)(self, &[arg], pos)
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op,
                        args: vec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                if app.args.len() + 1 == app.op.arity {
                    // The complete argument list lives on the stack for the call.
                    let mut args: smallvec::SmallVec<[Value; 4]> =
                        app.args.iter().cloned().collect();
                    args.push(arg);
                    (app.op.func)(self, &args, pos)
                } else {
                    let mut args = Vec::with_capacity(app.args.len() + 1);
                    args.extend(app.args.iter().cloned());
                    args.push(arg);
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op: app.op.clone(),
                        args,
                    })))
                }
            }
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let functor = self.force(a.get("__functor").cloned().unwrap_or(Value::Null))?;
                let g = self.apply(functor, Value::Attrs(a), pos)?;
                self.apply(g, arg, pos)
            }
            other => Err(EvalError::msg(
                format!(
                    "attempt to call something which is not a function but {}",
                    other.type_desc()
                ),
                pos,
            )),
        }
    }

    /// Apply a forced function to two arguments; a two-argument builtin is called directly.
    #[inline]
    pub fn apply2(&self, f: Value, a: Value, b: Value, pos: Pos) -> R<Value> {
        if let Value::PrimOp(op) = &f {
            if op.arity == 2 {
                return (op.func)(self, &[a, b], pos);
            }
        }
        // `x: y: body` (mapAttrs, foldl', overlays): bind both arguments without making the
        // intermediate closure.
        if let Value::Lambda(c) = &f {
            if let (None, Expr::Lambda(inner)) = (&c.def.formals, &*c.def.body) {
                self.check_stack(pos)?;
                let env = Env::one(a, Some(c.env.clone()));
                return self.call_def(inner, &env, b, pos);
            }
        }
        let g = self.apply(f, a, pos)?;
        self.apply(g, b, pos)
    }

    /// Apply a value (forcing it first) to several arguments.
    pub fn call(&self, f: &Value, args: &[Value], pos: Pos) -> R<Value> {
        let mut v = self.force(f.clone())?;
        for a in args {
            v = self.apply(v, a.clone(), pos)?;
        }
        Ok(v)
    }

    pub(super) fn lambda_desc(&self, def: &LambdaDef) -> String {
        let at = if def.pos.is_some() {
            format!(" at {}", self.pos_text(def.pos))
        } else {
            String::new()
        };
        match &def.name {
            Some(n) => format!("'{n}'{at}"),
            None => format!("anonymous function{at}"),
        }
    }

    pub(super) fn call_lambda(&self, c: &Closure, arg: Value, pos: Pos) -> R<Value> {
        self.call_def(&c.def, &c.env, arg, pos)
    }

    /// Call the lambda `def` closed over `parent` (no closure needed). Inlined into both
    /// callers: an extra call level on every lambda call cost fib.nix 2% more instructions.
    #[inline(always)]
    pub(super) fn call_def(
        &self,
        def: &LambdaDef,
        parent: &Rc<Env>,
        arg: Value,
        pos: Pos,
    ) -> R<Value> {
        let env = match &def.formals {
            None => Env::one(arg, Some(parent.clone())),
            Some(formals) => {
                let attrs = self.force_attrs(arg.clone(), pos)?;
                let frame = Env::empty(Some(parent.clone()));
                // Built in place: a frame of up to two values then needs no buffer of its own.
                let mut vals = EnvVals::with_capacity(formals.entries.len() + 1);
                let mut used = 0;
                for (name, default) in &formals.entries {
                    match attrs.get_sym(name) {
                        Some(v) => {
                            used += 1;
                            vals.push(v.clone())
                        }
                        None => match default {
                            Some(d) => vals.push(self.thunk_in_new_frame(d, &frame)),
                            None => {
                                // Nix checks the formals in symbol order (see `Sym::seq`).
                                let first = formals
                                    .entries
                                    .iter()
                                    .filter(|(n, d)| d.is_none() && attrs.get_sym(n).is_none())
                                    .map(|(n, _)| n)
                                    .min_by_key(|n| n.seq())
                                    .unwrap_or(name);
                                return Err(EvalError::msg(
                                    format!(
                                        "{} called without required argument '{first}'",
                                        self.lambda_desc(def)
                                    ),
                                    pos,
                                ));
                            }
                        },
                    }
                }
                if !formals.ellipsis && used < attrs.len() {
                    for a in attrs_in_symbol_order(&attrs.entries) {
                        if !formals.entries.iter().any(|(n, _)| *n == a.name) {
                            return Err(EvalError::msg(
                                format!(
                                    "{} called with unexpected argument '{}'",
                                    self.lambda_desc(def),
                                    crate::print::print_attr_name(&a.name)
                                ),
                                pos,
                            )
                            .suggest(&a.name, formals.entries.iter().map(|(n, _)| &**n)));
                        }
                    }
                }
                if def.arg.is_some() {
                    vals.push(arg);
                }
                // SAFETY: the frame was just made; nothing has looked into its values yet.
                unsafe { frame.vals.fill(vals) };
                frame
            }
        };
        self.eval(&def.body, &env).map_err(|e| {
            let what = match &def.name {
                Some(n) => format!("while evaluating '{n}'"),
                None => "while evaluating anonymous function".to_string(),
            };
            e.context(def.pos, what).context(pos, "from call site")
        })
    }

    /// Call a function with formals using automatic arguments, as `nix-instantiate` does with
    /// `--arg`/`--argstr`; other values are returned forced but otherwise unchanged.
    pub fn auto_call(&self, v: Value, args: &Value) -> R<Value> {
        let v = self.force(v)?;
        let args = self.force_attrs(args.clone(), Pos::NONE)?;
        match &v {
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let f = self.force(a.get("__functor").cloned().unwrap_or(Value::Null))?;
                let g = self.apply(f, v.clone(), Pos::NONE)?;
                self.auto_call(g, &Value::Attrs(args))
            }
            Value::Lambda(c) => {
                let Some(formals) = &c.def.formals else {
                    return Ok(v);
                };
                let mut entries = Vec::new();
                if formals.ellipsis {
                    entries = args.entries.clone();
                } else {
                    for (name, default) in &formals.entries {
                        match args.find(name) {
                            Some(a) => entries.push(a.clone()),
                            None if default.is_some() => {}
                            None => {
                                return Err(EvalError::msg(
                                    format!(
                                        "cannot evaluate a function that has an argument without a value ('{name}')"
                                    ),
                                    c.def.pos,
                                ))
                            }
                        }
                    }
                }
                for (name, default) in &formals.entries {
                    if default.is_none() && !entries.iter().any(|a| a.name == *name) {
                        return Err(EvalError::msg(
                            format!("cannot evaluate a function that has an argument without a value ('{name}')"),
                            c.def.pos,
                        ));
                    }
                }
                self.apply(
                    v.clone(),
                    Value::attrs(Attrs::from_unsorted(entries)),
                    Pos::NONE,
                )
            }
            _ => Ok(v),
        }
    }

    /// Follow an attribute path like `a.b.0."c.d"` (numbers index lists), auto-calling functions
    /// along the way as `nix-instantiate -A` does.
    pub fn select_attr_path(&self, v: Value, path: &str, auto: &Value) -> R<Value> {
        let mut v = self.force(v)?;
        for comp in split_attr_path(path) {
            v = self.auto_call(v, auto)?;
            match &v {
                Value::List(l) if comp.bytes().all(|b| b.is_ascii_digit()) && !comp.is_empty() => {
                    let i: usize = comp.parse().unwrap_or(usize::MAX);
                    match l.get(i) {
                        Some(x) => v = self.force(x.clone())?,
                        None => {
                            return Err(EvalError::msg(
                                format!("list index {comp} in selection path '{path}' is out of range"),
                                Pos::NONE,
                            ))
                        }
                    }
                }
                Value::Attrs(a) => match a.get(&comp) {
                    Some(x) => v = self.force(x.clone())?,
                    None => {
                        return Err(EvalError::msg(
                            format!("attribute '{comp}' in selection path '{path}' not found"),
                            Pos::NONE,
                        )
                        .suggest(&comp, a.entries.iter().map(|e| &*e.name)))
                    }
                },
                other => {
                    return Err(EvalError::msg(
                        format!(
                            "the expression selected by the selection path '{path}' should be a set but is {}",
                            other.type_name()
                        ),
                        Pos::NONE,
                    ))
                }
            }
        }
        Ok(v)
    }
}

/// Split `a.b."c.d"` into components.
pub fn split_attr_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.is_empty() {
        return out;
    }
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}
