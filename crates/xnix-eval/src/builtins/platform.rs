//! Project-specific builtins backed by `xnix-platform`. Their names start with `xnix` so they can
//! never collide with Nix's own builtins.
//!
//! - `builtins.xnixElaboratePlatform x`: `x` is a system string (`"aarch64-linux"`, a triple)
//!   or an attribute set as nixpkgs' `lib.systems.elaborate` takes; the result is the
//!   elaborated platform as an attribute set (its non-function attributes).
//! - `builtins.xnixPlatformCatalogue`: the `pkgsCross`-style catalogue, name -> arguments.

use super::json::json_to_value;
use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("xnixElaboratePlatform", 1, elaborate_platform),
    ("xnixPlatformCatalogue", 1, platform_catalogue),
];

fn elaborate_platform(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let mut ctx = Vec::new();
    let text = ev.to_json(a[0].clone(), pos, false, &mut ctx)?;
    let arg: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EvalError::msg(format!("internal error: {e}"), pos))?;
    let out = xnix_platform::elaborate_value(&arg)
        .map_err(|e| EvalError::msg(format!("while elaborating a platform: {e}"), pos))?;
    Ok(json_to_value(out))
}

/// Takes a dummy argument (usually `{}`), since builtins here are functions.
fn platform_catalogue(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    let _ = (ev, a);
    let entries = xnix_platform::catalogue()
        .map(|e| Attr {
            name: e.name.into(),
            value: json_to_value(e.args),
            pos: Pos::NONE,
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}
