//! Arithmetic and comparison builtins.

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::ir::BinOp;
use crate::value::{Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("add", 2, add),
    ("sub", 2, sub),
    ("mul", 2, mul),
    ("div", 2, div),
    ("lessThan", 2, less_than),
    ("bitAnd", 2, bit_and),
    ("bitOr", 2, bit_or),
    ("bitXor", 2, bit_xor),
    ("ceil", 1, ceil),
    ("floor", 1, floor),
];

fn add(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force(a[0].clone())?;
    let y = ev.force(a[1].clone())?;
    let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
    if !is_num(&x) || !is_num(&y) {
        // The operands are checked as `sub` checks them (float when either is a float).
        return ev.arith(BinOp::Sub, x, y, pos);
    }
    ev.add(x, y, pos)
}

fn sub(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force(a[0].clone())?;
    let y = ev.force(a[1].clone())?;
    ev.arith(BinOp::Sub, x, y, pos)
}

fn mul(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force(a[0].clone())?;
    let y = ev.force(a[1].clone())?;
    ev.arith(BinOp::Mul, x, y, pos)
}

fn div(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let x = ev.force(a[0].clone())?;
    let y = ev.force(a[1].clone())?;
    ev.arith(BinOp::Div, x, y, pos)
}

fn less_than(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    Ok(Value::Bool(ev.less_than(&a[0], &a[1], pos)?))
}

fn bit_and(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    Ok(Value::Int(
        ev.force_int(a[0].clone(), pos)? & ev.force_int(a[1].clone(), pos)?,
    ))
}

fn bit_or(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    Ok(Value::Int(
        ev.force_int(a[0].clone(), pos)? | ev.force_int(a[1].clone(), pos)?,
    ))
}

fn bit_xor(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    Ok(Value::Int(
        ev.force_int(a[0].clone(), pos)? ^ ev.force_int(a[1].clone(), pos)?,
    ))
}

/// `ceil` and `floor` take a number, and Nix names a float as the expected type.
fn float_arg(ev: &Evaluator, v: &Value, pos: Pos) -> R<Value> {
    match ev.force(v.clone())? {
        v @ (Value::Int(_) | Value::Float(_)) => Ok(v),
        v => Err(EvalError::msg(
            format!("value is {} while a float was expected", v.type_desc()),
            pos,
        )),
    }
}

fn ceil(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    match float_arg(ev, &a[0], pos)? {
        Value::Float(f) => Ok(Value::Int(float_to_int(f.ceil()))),
        v => Ok(v),
    }
}

fn floor(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    match float_arg(ev, &a[0], pos)? {
        Value::Float(f) => Ok(Value::Int(float_to_int(f.floor()))),
        v => Ok(v),
    }
}

/// A whole float as an integer the way Nix 2.8's conversion gives it on x86-64: values
/// outside the integer range (and NaN) become the smallest integer, where Rust's `as`
/// would saturate.
fn float_to_int(f: f64) -> i64 {
    // 2^63 exactly: the first float above every integer.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}
