//! Builtins that Nix gained after 2.8 and that current nixpkgs code uses: `warn`,
//! `traceVerbose`, `readFileType`, `convertHash` and `addDrvOutputDependencies`, with the
//! semantics of current Nix.

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::{io_msg, R};
use crate::value::{Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("warn", 2, warn),
    ("traceVerbose", 2, trace_verbose),
    ("readFileType", 1, read_file_type),
    ("convertHash", 1, convert_hash),
    ("addDrvOutputDependencies", 1, add_drv_output_dependencies),
];

/// Whether an environment flag such as `NIX_ABORT_ON_WARN` is set to a true value.
fn env_flag(name: &str) -> bool {
    matches!(std::env::var(name).as_deref(), Ok("1" | "true" | "yes"))
}

/// `warn msg v`: prints `evaluation warning: msg` and returns `v`; with
/// `NIX_ABORT_ON_WARN` set, the warning is an error instead (so that its trace shows where
/// it came from), as Nix's `abort-on-warn`.
fn warn(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let msg = match ev.force(a[0].clone())? {
        Value::String(s) => s.s.clone(),
        v => {
            return Err(EvalError::msg(
                format!("value is {} while a string was expected", v.type_desc()),
                pos,
            )
            .context(
                pos,
                "while evaluating the first argument passed to builtins.warn",
            ))
        }
    };
    eprintln!("evaluation warning: {msg}");
    if env_flag("NIX_ABORT_ON_WARN") {
        return Err(EvalError::msg(
            "aborting to reveal stack trace of warning, as abort-on-warn is set",
            pos,
        ));
    }
    ev.force(a[1].clone())
}

/// `traceVerbose e v`: `trace e v` when verbose tracing is on (`NIX_TRACE_VERBOSE`, as
/// Nix's `trace-verbose` setting, off by default), else just `v`.
fn trace_verbose(ev: &Evaluator, a: &[Value], _pos: Pos) -> R<Value> {
    if env_flag("NIX_TRACE_VERBOSE") {
        let v = ev.force(a[0].clone())?;
        match &v {
            Value::String(s) => eprintln!("trace: {}", s.s),
            v => eprintln!("trace: {}", crate::print::print_value(v)),
        }
    }
    ev.force(a[1].clone())
}

/// `readFileType p`: `"regular"`, `"directory"`, `"symlink"` or `"unknown"`, of `p` itself
/// (a symlink is not followed), as `readDir` names its entries.
fn read_file_type(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let p = ev.coerce_to_read_path(a[0].clone(), pos)?;
    let md = std::fs::symlink_metadata(&p)
        .map_err(|e| EvalError::msg(format!("getting status of '{p}': {}", io_msg(&e)), pos))?;
    Ok(Value::str(crate::store::file_type_name(&md)))
}

/// `convertHash { hash, hashAlgo ? null, toHashFormat }`: a hash in any form Nix reads
/// (SRI, `algo:` prefixed, or bare with `hashAlgo`) in the format asked for: `base16`,
/// `nix32` (or `base32`), `base64` or `sri`.
fn convert_hash(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let args = ev.force_attrs(a[0].clone(), pos)?;
    let field = |name: &str| -> R<Option<String>> {
        match args.get(name) {
            Some(v) => match ev.force(v.clone())? {
                Value::Null if name == "hashAlgo" => Ok(None),
                v => Ok(Some(ev.force_str_no_ctx(v, pos).map_err(|e| {
                    e.context(
                        pos,
                        format!(
                        "while evaluating the attribute '{name}' passed to builtins.convertHash"
                    ),
                    )
                })?)),
            },
            None => Ok(None),
        }
    };
    let required = |name: &str, value: Option<String>| {
        value.ok_or_else(|| {
            EvalError::msg(format!("attribute '{name}' missing"), pos).context(
                pos,
                "while locating an attribute passed to builtins.convertHash",
            )
        })
    };
    let hash = required("hash", field("hash")?)?;
    let format = required("toHashFormat", field("toHashFormat")?)?;
    let algo = match field("hashAlgo")? {
        Some(name) => Some(
            xnix_formats::HashAlgo::parse(&name).map_err(|e| EvalError::msg(e.to_string(), pos))?,
        ),
        None => None,
    };
    let encoding = match format.as_str() {
        "base16" => xnix_formats::HashEncoding::Base16,
        "nix32" | "base32" => xnix_formats::HashEncoding::Base32,
        "base64" => xnix_formats::HashEncoding::Base64,
        "sri" => xnix_formats::HashEncoding::Sri,
        other => {
            return Err(EvalError::msg(
                format!(
                    "unknown hash format '{other}', expect 'base16', 'base32', 'nix32', 'base64' or 'sri'"
                ),
                pos,
            ))
        }
    };
    let parsed =
        xnix_formats::Hash::parse(&hash, algo).map_err(|e| EvalError::msg(e.to_string(), pos))?;
    Ok(Value::str(parsed.encode(
        encoding,
        encoding == xnix_formats::HashEncoding::Sri,
    )))
}

/// `addDrvOutputDependencies s`: the string `s`, whose context must be exactly one
/// derivation (a `.drv` path), with that context widened to the derivation and all its
/// outputs (the inverse of `unsafeDiscardOutputDependency`).
fn add_drv_output_dependencies(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    let [element] = s.ctx.as_slice() else {
        return Err(EvalError::msg(
            format!(
                "context of string '{}' must have exactly one element, but has {}",
                s.s,
                s.ctx.len()
            ),
            pos,
        ));
    };
    let widened = if element.starts_with('=') {
        element.clone()
    } else if let Some(rest) = element.strip_prefix('!') {
        let output = rest.split('!').next().unwrap_or_default();
        return Err(EvalError::msg(
            format!(
                "`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '{output}'"
            ),
            pos,
        ));
    } else if element.ends_with(".drv") {
        format!("={element}")
    } else {
        return Err(EvalError::msg(
            format!("path '{element}' is not a derivation"),
            pos,
        ));
    };
    Ok(Value::str_ctx(s.s.clone(), vec![widened]))
}
