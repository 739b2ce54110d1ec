//! The operators: arithmetic, `+` on strings and paths, comparison, equality and `//`.

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::rc::Rc;

use super::{attrs_in_symbol_order, Evaluator, R};
use crate::error::EvalError;
use crate::ir::*;
use crate::path::canon_path;
use crate::value::*;

impl Evaluator {
    // ---------------------------------------------------------------- operators

    pub(crate) fn binop(&self, op: BinOp, a: Value, b: Value, pos: Pos) -> R<Value> {
        match op {
            BinOp::Eq => Ok(Value::Bool(self.eq_values(&a, &b, pos, false)?)),
            BinOp::NEq => Ok(Value::Bool(!self.eq_values(&a, &b, pos, false)?)),
            BinOp::Lt => Ok(Value::Bool(self.less_than(&a, &b, pos)?)),
            BinOp::Gt => Ok(Value::Bool(self.less_than(&b, &a, pos)?)),
            BinOp::Le => Ok(Value::Bool(!self.less_than(&b, &a, pos)?)),
            BinOp::Ge => Ok(Value::Bool(!self.less_than(&a, &b, pos)?)),
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, a, b, pos),
            BinOp::Update => {
                let x = self.expect_attrs(a, pos)?;
                let y = self.expect_attrs(b, pos)?;
                Ok(Value::Attrs(update_attrs(&x, &y)))
            }
            BinOp::Concat => {
                let x = self.expect_list(a, pos)?;
                let y = self.expect_list(b, pos)?;
                if x.is_empty() {
                    return Ok(Value::List(y));
                }
                if y.is_empty() {
                    return Ok(Value::List(x));
                }
                let mut v = Vec::with_capacity(x.len() + y.len());
                v.extend(x.iter().cloned());
                v.extend(y.iter().cloned());
                Ok(Value::list(v))
            }
        }
    }

    pub(crate) fn arith(&self, op: BinOp, a: Value, b: Value, pos: Pos) -> R<Value> {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(Value::Int(match op {
                BinOp::Sub => x.wrapping_sub(*y),
                BinOp::Mul => x.wrapping_mul(*y),
                _ => {
                    if *y == 0 {
                        return Err(EvalError::msg("division by zero", pos));
                    }
                    if *x == i64::MIN && *y == -1 {
                        return Err(EvalError::msg("overflow in integer division", pos));
                    }
                    x.wrapping_div(*y)
                }
            })),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let x = num_f64(&a);
                let y = num_f64(&b);
                Ok(Value::Float(match op {
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => {
                        if y == 0.0 {
                            return Err(EvalError::msg("division by zero", pos));
                        }
                        x / y
                    }
                }))
            }
            _ => {
                // Nix checks a divisor as a float first; otherwise both operands are
                // taken as floats when either is one, else as integers.
                let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
                let any_float = matches!(a, Value::Float(_)) || matches!(b, Value::Float(_));
                let (bad, expected) = if op == BinOp::Div && !is_num(&b) {
                    (&b, "a float")
                } else {
                    let bad = if is_num(&a) { &b } else { &a };
                    (bad, if any_float { "a float" } else { "an integer" })
                };
                Err(EvalError::msg(
                    format!("value is {} while {expected} was expected", bad.type_desc()),
                    pos,
                ))
            }
        }
    }

    pub(crate) fn add(&self, a: Value, b: Value, pos: Pos) -> R<Value> {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_add(*y))),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(Value::Float(num_f64(&a) + num_f64(&b)))
            }
            (Value::Int(_) | Value::Float(_), _) => Err(EvalError::msg(
                format!("cannot add {} to {}", b.type_desc(), a.type_desc()),
                pos,
            )),
            (Value::Path(p), _) => {
                let mut s = p.to_string();
                let mut ctx = Vec::new();
                self.coerce_into(b, pos, false, false, &mut s, &mut ctx)?;
                if !ctx.is_empty() {
                    return Err(EvalError::msg(
                        "a string that refers to a store path cannot be appended to a path",
                        pos,
                    ));
                }
                Ok(Value::Path(canon_path(&s).into()))
            }
            (Value::String(x), Value::String(y)) => {
                // Sized once (growing copied the left side twice), and only the join can
                // need canonicalising, not the whole (often long, accumulated) string.
                let mut s = String::with_capacity(x.s.len() + y.s.len());
                s.push_str(&x.s);
                s.push_str(&y.s);
                let mut ctx = x.ctx.clone();
                merge_ctx(&mut ctx, &y.ctx);
                if crate::bytes::joins_canonically(&x.s, &y.s) {
                    Ok(Value::String(Rc::new(NixString { s, ctx })))
                } else {
                    Ok(Value::str_ctx(s, ctx))
                }
            }
            _ => {
                // Nix copies paths into the store only when the left operand is a string
                // (`{ __toString = ...; } + ./p` keeps the path as it is).
                let copy = matches!(a, Value::String(_));
                let mut s = String::new();
                let mut ctx = Vec::new();
                self.coerce_into(a, pos, false, copy, &mut s, &mut ctx)?;
                self.coerce_into(b, pos, false, copy, &mut s, &mut ctx)?;
                Ok(Value::str_ctx(s, ctx))
            }
        }
    }

    /// Nix equality (forces both sides as needed).
    pub fn eq_values(&self, a: &Value, b: &Value, pos: Pos, nested: bool) -> R<bool> {
        if nested && same_ref(a, b) {
            return Ok(true);
        }
        let a = self.force(a.clone()).map_err(|e| e.at(pos))?;
        let b = self.force(b.clone()).map_err(|e| e.at(pos))?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                num_f64(&a) == num_f64(&b)
            }
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::String(x), Value::String(y)) => x.s == y.s,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (i, j) in x.iter().zip(y.iter()) {
                    if !self.eq_values(i, j, pos, true)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) && nested {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(i), Some(j)) = (x.get("outPath"), y.get("outPath")) {
                        return self.eq_values(i, j, pos, true);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                // Both sets are walked in Nix's symbol order (see `Sym::seq`), which decides
                // which failing value is forced first.
                let xs = attrs_in_symbol_order(&x.entries);
                let ys = attrs_in_symbol_order(&y.entries);
                for (i, j) in xs.iter().zip(ys.iter()) {
                    if i.name != j.name || !self.eq_values(&i.value, &j.value, pos, true)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// Whether an attribute set is a derivation (`type = "derivation"`).
    pub fn is_derivation(&self, a: &Attrs) -> R<bool> {
        match a.get("type") {
            Some(t) => match self.force(t.clone())? {
                Value::String(s) => Ok(s.s == "derivation"),
                _ => Ok(false),
            },
            None => Ok(false),
        }
    }

    /// Nix's `<` (numbers, strings, paths, lists).
    pub fn less_than(&self, a: &Value, b: &Value, pos: Pos) -> R<bool> {
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            return Ok(x < y);
        }
        let a = self.force(a.clone())?;
        let b = self.force(b.clone())?;
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(num_f64(&a) < num_f64(&b))
            }
            (Value::String(x), Value::String(y)) => Ok(x.s < y.s),
            (Value::Path(x), Value::Path(y)) => Ok(x < y),
            (Value::List(x), Value::List(y)) => {
                for i in 0.. {
                    if i == y.len() {
                        return Ok(false);
                    }
                    if i == x.len() {
                        return Ok(true);
                    }
                    if !self.eq_values(&x[i], &y[i], pos, true)? {
                        return self.less_than(&x[i], &y[i], pos);
                    }
                }
                unreachable!()
            }
            _ => Err(EvalError::msg(
                format!("cannot compare {} with {}", a.type_desc(), b.type_desc()),
                pos,
            )),
        }
    }
}

fn same_ref(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Thunk(x), Value::Thunk(y)) => Rc::ptr_eq(x, y),
        (Value::Lambda(x), Value::Lambda(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOp(x), Value::PrimOp(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOpApp(x), Value::PrimOpApp(y)) => Rc::ptr_eq(x, y),
        (Value::Attrs(x), Value::Attrs(y)) => Rc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

fn num_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// `a // b`: merge two sorted attribute lists, `b` winning.
fn update_attrs(a: &Rc<Attrs>, b: &Rc<Attrs>) -> Rc<Attrs> {
    if b.is_empty() {
        return a.clone();
    }
    if a.is_empty() {
        return b.clone();
    }
    // Overlays mostly update a set with one that already has all its names (`super //
    // mapAttrs f super`, a fixpoint's `super // (everything so far)`): then the result is
    // `b` itself, shared instead of copied.
    if b.len() > FEW_ATTRS && names_subset(&a.entries, &b.entries) {
        return b.clone();
    }
    Rc::new(Attrs::new(merge_entries(&a.entries, &b.entries)))
}

/// Up to this many attributes are merged into a set more than four times larger by binary
/// search, instead of comparing every name of the large one.
const FEW_ATTRS: usize = 8;

/// The entries of `x // y`: both sorted by name, `y` winning.
pub(super) fn merge_entries(x: &[Attr], y: &[Attr]) -> Vec<Attr> {
    let mut out = Vec::with_capacity(x.len() + y.len());
    if y.len() <= FEW_ATTRS && x.len() > 4 * FEW_ATTRS {
        out.extend_from_slice(x);
        for e in y {
            match out.binary_search_by(|a: &Attr| a.name.cmp(&e.name)) {
                Ok(k) => out[k] = e.clone(),
                Err(k) => out.insert(k, e.clone()),
            }
        }
        return out;
    }
    if x.len() <= FEW_ATTRS && y.len() > 4 * FEW_ATTRS {
        out.extend_from_slice(y);
        for e in x {
            if let Err(k) = out.binary_search_by(|a: &Attr| a.name.cmp(&e.name)) {
                out.insert(k, e.clone());
            }
        }
        return out;
    }
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        match x[i].name.cmp(&y[j].name) {
            std::cmp::Ordering::Less => {
                out.push(x[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(y[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(y[j].clone());
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&x[i..]);
    out.extend_from_slice(&y[j..]);
    out
}

/// Whether every name of the sorted list `small` is also in the sorted list `big`. Stops at
/// the first name missing, so a failing check costs little before a real merge.
fn names_subset(small: &[Attr], big: &[Attr]) -> bool {
    if small.len() > big.len() {
        return false;
    }
    let mut j = 0;
    for x in small {
        // Names are interned: equal names are almost always the same pointer.
        loop {
            let Some(y) = big.get(j) else { return false };
            j += 1;
            match y.name.cmp(&x.name) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => break,
                std::cmp::Ordering::Greater => return false,
            }
        }
    }
    true
}
