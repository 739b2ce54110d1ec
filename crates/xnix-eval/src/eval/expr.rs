//! Evaluating expressions: the interpreter over the IR, variables, selection, conditions,
//! attribute sets and frames.

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::rc::Rc;

use super::operators::merge_entries;
use super::{type_error, Evaluator, R};
use crate::error::{ErrorKind, EvalError};
use crate::ir::*;
use crate::path::canon_path;
use crate::value::*;

impl Evaluator {
    // ---------------------------------------------------------------- thunks

    /// A delayed value for `e` in `env`; constants and variables need no thunk.
    #[inline]
    pub(crate) fn thunk(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Lit(v) => v.clone(),
            Expr::Var { depth, index } => {
                shared_value(&env.up(*depth).vals.borrow()[*index as usize])
            }
            _ => Thunk::value(ThunkState::Expr(e.clone(), env.clone())),
        }
    }

    /// Evaluate integer arithmetic on already-evaluated operands right away instead of
    /// allocating a thunk (`f (n - 1)`). Only operands that are constants or variables holding
    /// evaluated integers qualify, so this can neither diverge nor have effects; anything
    /// else (including a type error) falls back to a thunk.
    #[inline]
    pub(super) fn try_eager(&self, e: &Expr, env: &Rc<Env>) -> Option<Value> {
        let (op, a, b) = match e {
            Expr::BinOp(op @ (BinOp::Sub | BinOp::Mul), a, b, _) => (Some(*op), a, b),
            Expr::Add(a, b, _) => (None, a, b),
            _ => return None,
        };
        let x = self.known_int(a, env)?;
        let y = self.known_int(b, env)?;
        Some(Value::Int(match op {
            None => x.wrapping_add(y),
            Some(BinOp::Sub) => x.wrapping_sub(y),
            _ => x.wrapping_mul(y),
        }))
    }

    #[inline]
    pub(super) fn known_int(&self, e: &Expr, env: &Rc<Env>) -> Option<i64> {
        match e {
            Expr::Lit(Value::Int(i)) => Some(*i),
            Expr::Var { depth, index } => match &env.up(*depth).vals.borrow()[*index as usize] {
                Value::Int(i) => Some(*i),
                Value::Thunk(t) => t.0.peek(|s| match s {
                    ThunkState::Done(Value::Int(i)) => Some(*i),
                    _ => None,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// Like `thunk`, for a frame still being filled (`env` is the new frame).
    #[inline]
    pub(super) fn thunk_in_new_frame(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Lit(v) => v.clone(),
            Expr::Var { depth, index } if *depth > 0 => {
                env.up(*depth).vals.borrow()[*index as usize].clone()
            }
            _ => Thunk::value(ThunkState::Expr(e.clone(), env.clone())),
        }
    }

    // ---------------------------------------------------------------- evaluation

    /// `eval` for an operand: a variable or constant (the usual operand of a selection, a
    /// call's function, an operator) is read right here instead of through a call to
    /// `eval`, whose entry and exit cost more than the read.
    #[inline(always)]
    pub(super) fn eval_leaf(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        match e {
            Expr::Var { depth, index } => self.eval_var(*depth, *index, env),
            Expr::Lit(v) => Ok(v.clone()),
            _ => self.eval(e, env),
        }
    }

    /// The value of the variable in slot `index` of the frame `depth` levels up, forced.
    #[inline(always)]
    pub(super) fn eval_var(&self, depth: u32, index: u32, env: &Rc<Env>) -> R<Value> {
        match &env.up(depth).vals.borrow()[index as usize] {
            Value::Thunk(t) => {
                if let Some(x) = t.0.done() {
                    return Ok(x);
                }
                // Forcing may fill frames (not this one's slots): no reference into the
                // frame is held while it runs.
                let t = t.clone();
                self.force_thunk(&t)
            }
            v => Ok(v.clone()),
        }
    }

    /// Evaluate an expression in an environment to weak head normal form.
    pub fn eval(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        // The hot forms are handled here with a small stack frame; the rest in `eval_cold`.
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Var { depth, index } => self.eval_var(*depth, *index, env),
            Expr::Apply(f, x, pos) => match &**f {
                Expr::Apply(g, x1, pos1) => self.eval_apply2(g, (x1, *pos1), (x, *pos), env),
                _ => {
                    let fv = self.eval_leaf(f, env)?;
                    self.apply_to_expr(fv, x, env, *pos)
                }
            },
            Expr::If(c, t, f, pos) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Expr::BinOp(op, a, b, pos) => {
                if let (BinOp::Update, Expr::AttrSet(bind, _)) = (op, &**b) {
                    if !bind.recursive && bind.dynamics.is_empty() {
                        return self.update_with_literal(a, bind, env);
                    }
                }
                let av = self.eval_leaf(a, env)?;
                let bv = self.eval_leaf(b, env)?;
                if let (Value::Int(x), Value::Int(y)) = (&av, &bv) {
                    match op {
                        BinOp::Lt => return Ok(Value::Bool(x < y)),
                        BinOp::Le => return Ok(Value::Bool(x <= y)),
                        BinOp::Gt => return Ok(Value::Bool(x > y)),
                        BinOp::Ge => return Ok(Value::Bool(x >= y)),
                        BinOp::Eq => return Ok(Value::Bool(x == y)),
                        BinOp::NEq => return Ok(Value::Bool(x != y)),
                        BinOp::Sub => return Ok(Value::Int(x.wrapping_sub(*y))),
                        BinOp::Mul => return Ok(Value::Int(x.wrapping_mul(*y))),
                        _ => {}
                    }
                }
                // `x._type == "if"` and friends: strings compare by characters only.
                if let (Value::String(x), Value::String(y)) = (&av, &bv) {
                    match op {
                        BinOp::Eq => return Ok(Value::Bool(x.s == y.s)),
                        BinOp::NEq => return Ok(Value::Bool(x.s != y.s)),
                        _ => {}
                    }
                }
                self.binop(*op, av, bv, *pos)
            }
            Expr::Add(a, b, pos) => {
                let av = self.eval_leaf(a, env)?;
                let bv = self.eval_leaf(b, env)?;
                if let (Value::Int(x), Value::Int(y)) = (&av, &bv) {
                    return Ok(Value::Int(x.wrapping_add(*y)));
                }
                self.add(av, bv, *pos)
            }
            Expr::Lambda(d) => Ok(Value::Lambda(Rc::new(Closure {
                def: d.clone(),
                env: env.clone(),
            }))),
            // The most frequent form of all, one call level closer.
            Expr::Select(e, path, default, pos) => self.eval_select(e, path, default, *pos, env),
            _ => self.eval_cold(e, env),
        }
    }

    /// `g a b`: a two-argument builtin is called with both arguments directly, and a curried
    /// lambda `x: y: body` binds both without making the closure in between; neither
    /// intermediate value is observable.
    #[inline(never)]
    pub(super) fn eval_apply2(
        &self,
        g: &Expr,
        (xa, pa): (&Rc<Expr>, Pos),
        (xb, pb): (&Rc<Expr>, Pos),
        env: &Rc<Env>,
    ) -> R<Value> {
        let gv = self.eval_leaf(g, env)?;
        match &gv {
            Value::PrimOp(op) if op.arity == 2 => {
                let a = self.thunk(xa, env);
                let b = self.thunk(xb, env);
                self.check_stack(pb)?;
                return (op.func)(self, &[a, b], pb);
            }
            Value::Lambda(c) => {
                if let (None, Expr::Lambda(inner)) = (&c.def.formals, &*c.def.body) {
                    let a = self.arg_value(&c.def, xa, env);
                    let b = self.arg_value(inner, xb, env);
                    self.check_stack(pb)?;
                    let frame = Env::one(a, Some(c.env.clone()));
                    return self.call_def(inner, &frame, b, pb);
                }
            }
            _ => {}
        }
        let fv = self.apply_to_expr(gv, xa, env, pa)?;
        self.apply_to_expr(fv, xb, env, pb)
    }

    /// The argument value for a call of `def`: computed right away when cheap and the
    /// lambda forces it anyway, delayed otherwise.
    #[inline(always)]
    pub(super) fn arg_value(&self, def: &LambdaDef, x: &Rc<Expr>, env: &Rc<Env>) -> Value {
        if def.strict_arg {
            if let Some(v) = self.try_eager(x, env) {
                return v;
            }
        }
        self.thunk(x, env)
    }

    /// Apply an evaluated function to the delayed value of `x`.
    #[inline(always)]
    pub(super) fn apply_to_expr(
        &self,
        fv: Value,
        x: &Rc<Expr>,
        env: &Rc<Env>,
        pos: Pos,
    ) -> R<Value> {
        // A cheap argument to a lambda that forces it anyway is computed right away.
        let eager = match &fv {
            Value::Lambda(c) if c.def.strict_arg => self.try_eager(x, env),
            _ => None,
        };
        let xv = match eager {
            Some(v) => v,
            None => self.thunk(x, env),
        };
        self.apply(fv, xv, pos)
    }

    /// `a // { n1 = e1; ... }` with a plain attribute set literal: its values go straight
    /// into the merged set, without building the literal's set first.
    #[inline(never)]
    pub(super) fn update_with_literal(&self, a: &Expr, bind: &Bindings, env: &Rc<Env>) -> R<Value> {
        let av = self.eval_leaf(a, env)?;
        // Nix names no position when an operand of `//` is not a set.
        let x = self.expect_attrs(av, Pos::NONE)?;
        if bind.statics.is_empty() {
            return Ok(Value::Attrs(x));
        }
        // Statics of a set literal are sorted by name (the lowerer sorts them).
        let y: smallvec::SmallVec<[Attr; 4]> = bind
            .statics
            .iter()
            .map(|s| {
                let (AttrValue::Plain(e) | AttrValue::Inherited(e)) = &s.value;
                Attr {
                    name: s.name.clone(),
                    value: self.thunk(e, env),
                    pos: s.pos,
                }
            })
            .collect();
        Ok(Value::attrs(Attrs::new(merge_entries(&x.entries, &y))))
    }

    #[inline(never)]
    pub(super) fn eval_select(
        &self,
        e: &Expr,
        path: &[AttrName],
        default: &Option<Rc<Expr>>,
        pos: Pos,
        env: &Rc<Env>,
    ) -> R<Value> {
        let mut v = self.eval_leaf(e, env)?;
        for n in path.iter() {
            // The usual case: a static name present in a set.
            if let (AttrName::Static(s, hint), Value::Attrs(a)) = (n, &v) {
                if let Some(x) = a.get_sym_hinted(s, &hint.0) {
                    v = self.force_ref(x)?;
                    continue;
                }
            }
            let name = self.attr_name(n, env)?;
            match &v {
                Value::Attrs(a) => match name.lookup(a) {
                    Some(x) => {
                        v = self.force_ref(x)?;
                    }
                    None => {
                        if let Some(d) = default {
                            return self.eval(d, env);
                        }
                        return Err(self.missing_attr(name.as_str(), a, pos));
                    }
                },
                _ => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return Err(type_error(&v, "a set", pos));
                }
            }
        }
        Ok(v)
    }

    #[inline(never)]
    pub(super) fn eval_cold(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Var { depth, index } => {
                let v = env.up(*depth).vals.borrow()[*index as usize].clone();
                self.force(v)
            }
            Expr::WithVar {
                name,
                with_depths,
                hint,
                pos,
            } => {
                for d in with_depths.iter() {
                    let ns = env.up(*d).vals.borrow()[0].clone();
                    let a = self.force_attrs(ns, *pos)?;
                    if let Some(v) = a.get_sym_hinted(name, &hint.0) {
                        return self.force_ref(v);
                    }
                }
                Err(EvalError::msg(format!("undefined variable '{name}'"), *pos))
            }
            Expr::Select(e, path, default, pos) => self.eval_select(e, path, default, *pos, env),
            Expr::HasAttr(e, path) => {
                let mut v = self.eval_leaf(e, env)?;
                for (i, n) in path.iter().enumerate() {
                    let name = self.attr_name(n, env)?;
                    match &v {
                        Value::Attrs(a) => match name.lookup(a) {
                            // `a ? b.c` forces `a.b` but never the value of `a.b.c`.
                            Some(_) if i + 1 == path.len() => return Ok(Value::Bool(true)),
                            Some(x) => {
                                v = self.force_ref(x)?;
                            }
                            None => return Ok(Value::Bool(false)),
                        },
                        _ => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::AttrSet(b, _) => self.eval_attrset(b, env),
            Expr::Let(b, body) => {
                let frame = self.build_frame(b, env);
                self.eval(body, &frame)
            }
            Expr::List(items) => Ok(Value::list(
                items.iter().map(|i| self.thunk(i, env)).collect(),
            )),
            Expr::Lambda(d) => Ok(Value::Lambda(Rc::new(Closure {
                def: d.clone(),
                env: env.clone(),
            }))),
            Expr::Apply(f, x, pos) => {
                let fv = self.eval_leaf(f, env)?;
                let xv = self.thunk(x, env);
                self.apply(fv, xv, *pos)
            }
            Expr::With(ns, body) => {
                let frame = Env::one(self.thunk(ns, env), Some(env.clone()));
                self.eval(body, &frame)
            }
            Expr::If(c, t, f, pos) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Expr::Assert(c, body, pos, text) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(body, env)
                } else {
                    Err(EvalError::new(
                        ErrorKind::Assert,
                        format!("assertion '{text}' failed"),
                        *pos,
                    ))
                }
            }
            Expr::And(a, b, pos) => Ok(Value::Bool(
                self.eval_bool(a, env, *pos)? && self.eval_bool(b, env, *pos)?,
            )),
            Expr::Or(a, b, pos) => Ok(Value::Bool(
                self.eval_bool(a, env, *pos)? || self.eval_bool(b, env, *pos)?,
            )),
            Expr::Impl(a, b, pos) => Ok(Value::Bool(
                !self.eval_bool(a, env, *pos)? || self.eval_bool(b, env, *pos)?,
            )),
            Expr::Not(a, pos) => Ok(Value::Bool(!self.eval_bool(a, env, *pos)?)),
            Expr::Neg(a, pos) => {
                let v = self.eval(a, env)?;
                self.arith(BinOp::Sub, Value::Int(0), v, *pos)
            }
            Expr::BinOp(op, a, b, pos) => {
                let av = self.eval(a, env)?;
                let bv = self.eval(b, env)?;
                self.binop(*op, av, bv, *pos)
            }
            Expr::Chain(op, operands, positions) => self.eval_chain(*op, operands, positions, env),
            Expr::Add(a, b, pos) => {
                let av = self.eval(a, env)?;
                let bv = self.eval(b, env)?;
                self.add(av, bv, *pos)
            }
            Expr::Str(parts, pos) => {
                // Room for the literal parts and short interpolations: growing from empty
                // reallocated twice, while a generous fixed size wastes memory on kept strings.
                let literal: usize = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Lit(t) => t.len(),
                        StrPart::Interp(_) => 8,
                    })
                    .sum();
                let mut s = String::with_capacity(literal);
                let mut ctx = Vec::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        StrPart::Interp(e) => {
                            let v = self.eval(e, env)?;
                            self.coerce_into(v, *pos, false, true, &mut s, &mut ctx)?;
                        }
                    }
                }
                Ok(Value::str_ctx(s, ctx))
            }
            Expr::Path(parts, pos) => {
                let mut s = String::new();
                let mut ctx = Vec::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        StrPart::Interp(e) => {
                            let v = self.eval(e, env)?;
                            self.coerce_into(v, *pos, false, false, &mut s, &mut ctx)?;
                        }
                    }
                }
                if !ctx.is_empty() {
                    return Err(EvalError::msg(
                        "a string that refers to a store path cannot be appended to a path",
                        *pos,
                    ));
                }
                Ok(Value::Path(canon_path(&s).into()))
            }
            Expr::CurPos(pos) => Ok(self.pos_value(*pos)),
        }
    }

    /// `{ file, line, column }` for a position, or null.
    pub(crate) fn pos_value(&self, pos: Pos) -> Value {
        let info = self.pos_info(pos).map(|(file, line, col)| {
            // Nix 2.8 reports the text itself as the "file" of a command-line expression.
            if file == "«string»" {
                let text = self.files.borrow()[pos.file as usize].text.to_string();
                (text, line, col)
            } else {
                (file, line, col)
            }
        });
        match info {
            None => Value::Null,
            Some((file, line, col)) => Value::attrs(Attrs::new(vec![
                Attr {
                    name: "column".into(),
                    value: Value::Int(col as i64),
                    pos: Pos::NONE,
                },
                Attr {
                    name: "file".into(),
                    value: Value::str(file),
                    pos: Pos::NONE,
                },
                Attr {
                    name: "line".into(),
                    value: Value::Int(line as i64),
                    pos: Pos::NONE,
                },
            ])),
        }
    }

    pub(super) fn missing_attr(&self, name: &str, a: &Attrs, pos: Pos) -> EvalError {
        EvalError::msg(format!("attribute '{name}' missing"), pos)
            .suggest(name, a.entries.iter().map(|e| &*e.name))
    }

    pub(super) fn eval_bool(&self, e: &Expr, env: &Rc<Env>, pos: Pos) -> R<bool> {
        // Comparisons, the usual conditions (`x._type or "" == "merge"`, `n < 2`, nixpkgs'
        // `isType`): decided here, without a call to `eval` and a `Value::Bool` returned
        // through memory. Operands are evaluated as `eval` does (left, then right), and all
        // but integers and equality of strings go through `binop` as there.
        if let Expr::BinOp(
            op @ (BinOp::Eq | BinOp::NEq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
            a,
            b,
            op_pos,
        ) = e
        {
            let av = self.eval_leaf(a, env)?;
            // A string literal on the right (`x._type or "" == "if"`) is compared in place.
            if let (Expr::Lit(Value::String(lit)), Value::String(x), BinOp::Eq | BinOp::NEq) =
                (&**b, &av, op)
            {
                return Ok((x.s == lit.s) == (*op == BinOp::Eq));
            }
            let bv = self.eval_leaf(b, env)?;
            match (&av, &bv) {
                (Value::Int(x), Value::Int(y)) => {
                    return Ok(match op {
                        BinOp::Eq => x == y,
                        BinOp::NEq => x != y,
                        BinOp::Lt => x < y,
                        BinOp::Le => x <= y,
                        BinOp::Gt => x > y,
                        _ => x >= y,
                    })
                }
                (Value::String(x), Value::String(y)) if matches!(op, BinOp::Eq | BinOp::NEq) => {
                    return Ok((x.s == y.s) == (*op == BinOp::Eq))
                }
                _ => {}
            }
            return match self.binop(*op, av, bv, *op_pos)? {
                Value::Bool(b) => Ok(b),
                v => Err(type_error(&v, "a Boolean", pos)),
            };
        }
        // Boolean operators, as `eval_cold` evaluates them, without a `Value::Bool` made
        // and taken apart again for each level.
        match e {
            Expr::And(a, b, op_pos) => {
                return Ok(self.eval_bool(a, env, *op_pos)? && self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Or(a, b, op_pos) => {
                return Ok(self.eval_bool(a, env, *op_pos)? || self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Impl(a, b, op_pos) => {
                return Ok(!self.eval_bool(a, env, *op_pos)? || self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Not(a, op_pos) => return Ok(!self.eval_bool(a, env, *op_pos)?),
            _ => {}
        }
        match self.eval_leaf(e, env)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_error(&v, "a Boolean", pos)),
        }
    }

    fn attr_name(&self, n: &AttrName, env: &Rc<Env>) -> R<AttrKey> {
        match n {
            AttrName::Static(s, _) => Ok(AttrKey::Sym(s.clone())),
            AttrName::Dynamic(e) => {
                let v = self.eval(e, env)?;
                let name = self.force_string_v(v, Pos::NONE)?;
                if !name.ctx.is_empty() {
                    // Attribute names never refer to store paths; this runs the usual check.
                    self.force_str_no_ctx(Value::String(name.clone()), Pos::NONE)?;
                }
                Ok(AttrKey::Str(name))
            }
        }
    }

    /// A recursive set with an `__overrides` attribute (a set): its attributes replace the
    /// set's own, in the set and in the scope its attributes see, or are added, as in Nix.
    fn apply_overrides(&self, b: &Bindings, frame: &Rc<Env>, entries: &mut Vec<Attr>) -> R<()> {
        let k = b
            .statics
            .iter()
            .position(|s| &*s.name == "__overrides")
            .expect("the caller found __overrides");
        let value = frame.vals.borrow()[k].clone();
        let overrides = self.force_attrs(value, Pos::NONE)?;
        let mut added = Vec::new();
        for o in &overrides.entries {
            match b.statics.binary_search_by(|s| s.name.cmp(&o.name)) {
                Ok(i) => {
                    // SAFETY: no reference into the frame's values is alive here.
                    unsafe { frame.vals.set(i, o.value.clone()) };
                    entries[i].value = o.value.clone();
                }
                Err(_) => added.push(o.clone()),
            }
        }
        for o in added {
            match entries.binary_search_by(|a| a.name.cmp(&o.name)) {
                Ok(i) => entries[i] = o,
                Err(i) => entries.insert(i, o),
            }
        }
        Ok(())
    }

    pub(super) fn build_frame(&self, b: &Bindings, env: &Rc<Env>) -> Rc<Env> {
        let frame = Env::empty(Some(env.clone()));
        // Built in place: a frame of up to two values then needs no buffer of its own.
        let mut vals = EnvVals::with_capacity(b.statics.len());
        for s in &b.statics {
            let v = match &s.value {
                AttrValue::Plain(e) => match &**e {
                    // A variable naming an earlier binding of this frame shares its value
                    // (unless `__overrides` may still replace that binding).
                    Expr::Var { depth: 0, index }
                        if (*index as usize) < vals.len()
                            && !b.statics.iter().any(|s| &*s.name == "__overrides") =>
                    {
                        vals[*index as usize].clone()
                    }
                    _ => self.thunk_in_new_frame(e, &frame),
                },
                AttrValue::Inherited(e) => self.thunk(e, env),
            };
            vals.push(v);
        }
        // SAFETY: the frame was just made; nothing has looked into its values yet.
        unsafe { frame.vals.fill(vals) };
        frame
    }

    pub(super) fn eval_attrset(&self, b: &Bindings, env: &Rc<Env>) -> R<Value> {
        let (mut entries, dyn_env) = if b.recursive {
            let frame = self.build_frame(b, env);
            let entries: Vec<Attr> = b
                .statics
                .iter()
                .zip(frame.vals.borrow().iter())
                .map(|(s, v)| Attr {
                    name: s.name.clone(),
                    value: v.clone(),
                    pos: s.pos,
                })
                .collect();
            let mut entries = entries;
            if b.statics.iter().any(|s| &*s.name == "__overrides") {
                self.apply_overrides(b, &frame, &mut entries)?;
            }
            (entries, frame)
        } else {
            let entries: Vec<Attr> = b
                .statics
                .iter()
                .map(|s| {
                    let e = match &s.value {
                        AttrValue::Plain(e) | AttrValue::Inherited(e) => e,
                    };
                    Attr {
                        name: s.name.clone(),
                        value: self.thunk(e, env),
                        pos: s.pos,
                    }
                })
                .collect();
            (entries, env.clone())
        };
        if !b.dynamics.is_empty() {
            for d in &b.dynamics {
                let n = self.eval(&d.name, &dyn_env)?;
                if let Value::Null = n {
                    continue;
                }
                let name = self.force_string_v(n, d.pos)?;
                if !name.ctx.is_empty() {
                    return Err(EvalError::msg(
                        format!(
                            "the string '{}' is not allowed to refer to a store path (such as '{}')",
                            name.s, name.ctx[0]
                        ),
                        d.pos,
                    ));
                }
                let name: Sym = name.s.as_str().into();
                match entries.binary_search_by(|a| a.name.cmp(&name)) {
                    Ok(i) => {
                        return Err(EvalError::msg(
                            format!(
                                "dynamic attribute '{name}' already defined at {}",
                                self.pos_text(entries[i].pos)
                            ),
                            d.pos,
                        ))
                    }
                    Err(i) => entries.insert(
                        i,
                        Attr {
                            name,
                            value: self.thunk(&d.value, &dyn_env),
                            pos: d.pos,
                        },
                    ),
                }
            }
        }
        Ok(Value::attrs(Attrs::new(entries)))
    }
}

/// An attribute name being looked up: static names are shared, dynamic ones are borrowed from
/// the string value (no allocation per lookup).
enum AttrKey {
    Sym(Sym),
    Str(Rc<NixString>),
}

impl AttrKey {
    fn as_str(&self) -> &str {
        match self {
            AttrKey::Sym(s) => s,
            AttrKey::Str(s) => &s.s,
        }
    }

    /// The attribute of that name in `a`.
    #[inline]
    fn lookup<'a>(&self, a: &'a Attrs) -> Option<&'a Value> {
        match self {
            AttrKey::Sym(s) => a.get_sym(s),
            AttrKey::Str(s) => a.get(&s.s),
        }
    }
}

/// A copy of `v` to store elsewhere: an evaluated thunk is replaced by its value, so that
/// later reads skip the indirection (and the thunk can be freed sooner). Lists of one or two
/// elements keep their thunk: its address is their identity when printing (see `print`).
#[inline]
fn shared_value(v: &Value) -> Value {
    if let Value::Thunk(t) = v {
        let forced = t.0.peek(|s| match s {
            ThunkState::Done(Value::List(l)) if l.len() <= 2 => None,
            ThunkState::Done(x) => Some(x.clone()),
            _ => None,
        });
        if let Some(x) = forced {
            return x;
        }
    }
    v.clone()
}
