//! Type predicates: `typeOf`, `isInt`, ...

use super::BuiltinDef;
use crate::eval::R;
use crate::value::{Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("typeOf", 1, type_of),
    ("isNull", 1, is_null),
    ("isInt", 1, is_int),
    ("isFloat", 1, is_float),
    ("isBool", 1, is_bool),
    ("isString", 1, is_string),
    ("isPath", 1, is_path),
    ("isList", 1, is_list),
    ("isAttrs", 1, is_attrs),
    ("isFunction", 1, is_function),
];

fn type_of(ev: &Evaluator, a: &[Value], _: Pos) -> R<Value> {
    Ok(Value::str(ev.force(a[0].clone())?.type_name()))
}

macro_rules! pred {
    ($name:ident, $pat:pat) => {
        fn $name(ev: &Evaluator, a: &[Value], _: Pos) -> R<Value> {
            Ok(Value::Bool(matches!(ev.force(a[0].clone())?, $pat)))
        }
    };
}

pred!(is_null, Value::Null);
pred!(is_int, Value::Int(_));
pred!(is_float, Value::Float(_));
pred!(is_bool, Value::Bool(_));
pred!(is_string, Value::String(_));
pred!(is_path, Value::Path(_));
pred!(is_list, Value::List(_));
pred!(is_attrs, Value::Attrs(_));
pred!(
    is_function,
    Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
);
