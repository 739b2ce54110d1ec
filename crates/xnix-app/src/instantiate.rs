//! Instantiation, as `nix-instantiate` does it: evaluate, select the
//! derivations the result holds, and write them (with the sources and
//! `toFile` texts they use) into the store.

use anyhow::anyhow;
use xnix_eval::{EvalError, Evaluator, Pos, Value};
use xnix_formats::StorePath;
use xnix_store::LocalStore;

use crate::progress::Reporter;
use crate::{AppError, Session};

/// A derivation selected by the expression: its `.drv` path and the output asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The `.drv` path, as printed.
    pub drv_path: String,
    /// The selected output (`outputName`, usually `out`).
    pub output: String,
}

/// Evaluate the session's request and return the derivations it selects, in
/// order: for each root and each attribute path, Nix's `getDerivations`.
pub fn select_derivations(session: &Session) -> Result<Vec<Selected>, EvalError> {
    let ev = session.evaluator();
    let auto = session.auto_args()?;
    let mut out = Vec::new();
    session.for_each_root(|root| {
        let root = ev.auto_call(root, &auto)?;
        for path in session.request().attr_paths_or_root() {
            let v = ev.select_attr_path(root.clone(), &path, &auto)?;
            let v = ev.auto_call(v, &auto)?;
            collect_derivations(ev, v, &auto, true, &mut out)?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// Evaluate, write what the result needs into `store`, and return the
/// selected derivations. Must run on a big stack ([`crate::with_big_stack`]).
pub fn instantiate(
    session: &Session,
    store: &LocalStore,
    reporter: &dyn Reporter,
) -> Result<Vec<Selected>, AppError> {
    // One flake installable: the evaluation cache may already know its derivations.
    let purpose = format!("instantiate\0{}", store.store_dir().as_str());
    let cache_key = crate::flake::request_cache_key(session, &purpose)
        .map_err(|e| AppError::Eval(session.format_error(&e)))?;
    if let Some(cached) = cache_key
        .as_deref()
        .and_then(crate::flake::cache_get)
        .and_then(|text| cached_selection(&text, store))
    {
        return Ok(cached);
    }
    let selected =
        select_derivations(session).map_err(|e| AppError::Eval(session.format_error(&e)))?;
    crate::objects::write_to_store(session.evaluator(), store, reporter)?;
    if let Some(key) = &cache_key {
        let text: String = selected
            .iter()
            .map(|s| format!("{}!{}\n", s.drv_path, s.output))
            .collect();
        crate::flake::cache_put(key, &text);
    }
    Ok(selected)
}

/// A cached selection (`DRV!OUTPUT` lines), usable only while every derivation is still
/// valid in the store.
fn cached_selection(text: &str, store: &LocalStore) -> Option<Vec<Selected>> {
    let selected: Vec<Selected> = text
        .lines()
        .filter_map(|l| l.split_once('!'))
        .map(|(d, o)| Selected {
            drv_path: d.to_string(),
            output: o.to_string(),
        })
        .collect();
    let valid = |s: &Selected| {
        store
            .store_dir()
            .parse(&s.drv_path)
            .ok()
            .and_then(|p| store.is_valid_path(&p).ok())
            .unwrap_or(false)
    };
    (!selected.is_empty() && selected.iter().all(valid)).then_some(selected)
}

fn not_a_derivation() -> EvalError {
    EvalError::msg(
        "expression does not evaluate to a derivation (or a set or list of those)",
        Pos::NONE,
    )
}

/// Nix's `getDerivations`: the value itself if it is a derivation; the
/// derivations among a set's attributes (by name), recursing into sets with
/// `recurseForDerivations = true`; the elements of a list.
fn collect_derivations(
    ev: &Evaluator,
    v: Value,
    auto: &Value,
    top: bool,
    out: &mut Vec<Selected>,
) -> Result<(), EvalError> {
    match ev.force(v)? {
        Value::Attrs(a) => {
            if ev.is_derivation(&a)? {
                out.push(selected_of(ev, &a)?);
                return Ok(());
            }
            if !top {
                let recurse = match a.get("recurseForDerivations") {
                    Some(r) => matches!(ev.force(r.clone())?, Value::Bool(true)),
                    None => false,
                };
                if !recurse {
                    return Ok(());
                }
            }
            let mut entries: Vec<(String, Value)> = a
                .entries
                .iter()
                .map(|e| (e.name.to_string(), e.value.clone()))
                .collect();
            entries.sort_by(|x, y| x.0.cmp(&y.0));
            for (_, value) in entries {
                let value = ev.auto_call(value, auto)?;
                match ev.force(value.clone())? {
                    Value::Attrs(_) => collect_derivations(ev, value, auto, false, out)?,
                    _ => continue,
                }
            }
            Ok(())
        }
        Value::List(items) if top => {
            for item in items.iter() {
                match ev.force(item.clone())? {
                    Value::Attrs(_) => collect_derivations(ev, item.clone(), auto, false, out)?,
                    _ => return Err(not_a_derivation()),
                }
            }
            Ok(())
        }
        _ if top => Err(not_a_derivation()),
        _ => Ok(()),
    }
}

/// The `.drv` path of a derivation value (its `drvPath`, as a string).
pub fn drv_path_of(ev: &Evaluator, a: &xnix_eval::Attrs) -> Result<String, EvalError> {
    match a.get("drvPath") {
        Some(p) => Ok(ev
            .coerce_to_string(p.clone(), Pos::NONE, false, false)?
            .s
            .clone()),
        None => Err(EvalError::msg(
            "derivation lacks a 'drvPath' attribute",
            Pos::NONE,
        )),
    }
}

fn selected_of(ev: &Evaluator, a: &xnix_eval::Attrs) -> Result<Selected, EvalError> {
    let drv_path = drv_path_of(ev, a)?;
    let output = match a.get("outputName") {
        Some(o) => ev.force_str(o.clone(), Pos::NONE)?,
        None => "out".to_string(),
    };
    Ok(Selected { drv_path, output })
}

/// Parse a printed `.drv` path.
pub fn parse_drv(store: &LocalStore, s: &str) -> anyhow::Result<StorePath> {
    store
        .store_dir()
        .parse(s)
        .map_err(|e| anyhow!("'{s}' is not a store path: {e}"))
}
