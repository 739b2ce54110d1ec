//! `derivationStrict`: computing a derivation's `.drv` path and output paths exactly as Nix
//! 2.8 does, through `xnix-store`'s ATerm printing and `hashDerivationModulo`. Nothing is
//! written: the derivation is remembered in memory so that derivations depending on it can be
//! hashed.

use std::collections::{BTreeMap, BTreeSet};

use xnix_formats::{
    ContentAddressMethod, Derivation, DerivationError, DerivationOutput, DrvHashes,
    FixedOutputHash, Hash, HashAlgo, StoreDir, StorePath,
};

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Attr, Attrs, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[("derivationStrict", 1, derivation_strict)];

/// Derivations computed during this evaluation, by `.drv` path.
#[derive(Default)]
pub(crate) struct DrvCache {
    pub drvs: BTreeMap<String, Derivation>,
    pub hashes: BTreeMap<String, DrvHashes>,
    /// `toFile` texts and filtered sources, in the order they were computed, so that a
    /// caller with a store can write them (see [`Evaluator::store_objects`]).
    pub objects: Vec<crate::store::StoreObject>,
}

fn store_err(e: impl std::fmt::Display, pos: Pos) -> EvalError {
    EvalError::msg(e.to_string(), pos)
}

fn lookup_hashes(
    ev: &Evaluator,
    sd: &StoreDir,
    p: &StorePath,
    depth: usize,
) -> Result<DrvHashes, DerivationError> {
    let full = sd.print(p);
    if let Some(h) = ev.drv_cache.borrow().hashes.get(&full) {
        return Ok(h.clone());
    }
    // Not evaluated here: read it from the store, as Nix does.
    let text =
        std::fs::read_to_string(&full).map_err(|_| DerivationError::UnknownInput(full.clone()))?;
    let name = p
        .name()
        .strip_suffix(".drv")
        .unwrap_or(p.name())
        .to_string();
    let drv = Derivation::parse_aterm(sd, &name, &text)?;
    if depth > 10_000 {
        return Err(DerivationError::UnknownInput(full));
    }
    let h = drv.hash_derivation_modulo(sd, false, |q| lookup_hashes(ev, sd, q, depth + 1))?;
    let mut c = ev.drv_cache.borrow_mut();
    c.hashes.insert(full.clone(), h.clone());
    c.drvs.insert(full, drv);
    Ok(h)
}

/// The store paths a derivation refers to, recursively, including itself.
fn closure_of(ev: &Evaluator, sd: &StoreDir, drv_path: &str, out: &mut BTreeSet<String>) {
    if !out.insert(drv_path.to_string()) {
        return;
    }
    let refs: Vec<String> = match ev.drv_cache.borrow().drvs.get(drv_path) {
        Some(d) => d.references().iter().map(|r| sd.print(r)).collect(),
        None => Vec::new(),
    };
    for r in refs {
        if r.ends_with(".drv") {
            closure_of(ev, sd, &r, out);
        } else {
            out.insert(r);
        }
    }
}

fn derivation_strict(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let attrs = ev.force_attrs(a[0].clone(), pos)?;
    let sd = StoreDir::new(ev.store_dir.clone()).map_err(|e| store_err(e, pos))?;
    let name_v = attrs.get("name").ok_or_else(|| {
        EvalError::msg(
            "attribute 'name' missing for call to 'derivationStrict'",
            pos,
        )
    })?;
    let drv_name = ev.force_str_no_ctx(name_v.clone(), pos)?;
    if drv_name.ends_with(".drv") {
        return Err(EvalError::msg(
            "derivation names are not allowed to end in '.drv'",
            pos,
        ));
    }
    crate::store::check_name(&drv_name, pos)
        .map_err(|e| e.prefix_msg(&format!("while evaluating the derivation '{drv_name}': ")))?;
    let structured = match attrs.get("__structuredAttrs") {
        Some(v) => ev.force_bool(v.clone(), pos)?,
        None => false,
    };
    let ignore_nulls = match attrs.get("__ignoreNulls") {
        Some(v) => ev.force_bool(v.clone(), pos)?,
        None => false,
    };
    let mut drv = Derivation {
        name: drv_name.clone(),
        ..Default::default()
    };
    let mut ctx: Vec<String> = Vec::new();
    let mut outputs: Vec<String> = vec!["out".to_string()];
    let mut output_hash: Option<String> = None;
    let mut output_hash_algo: Option<String> = None;
    let mut output_hash_mode: Option<String> = None;
    let mut json = String::from("{");
    let mut json_first = true;
    let mut has_builder = false;
    let mut has_system = false;

    let handle_outputs = |list: &[String], outputs: &mut Vec<String>| -> R<()> {
        let mut seen = BTreeSet::new();
        for o in list {
            if o == "drv" {
                return Err(EvalError::msg("invalid derivation output name 'drv'", pos));
            }
            if !seen.insert(o.clone()) {
                return Err(EvalError::msg(
                    format!("duplicate derivation output '{o}'"),
                    pos,
                ));
            }
        }
        if list.is_empty() {
            return Err(EvalError::msg(
                "derivation cannot have an empty set of outputs",
                pos,
            ));
        }
        *outputs = list.to_vec();
        Ok(())
    };

    for attr in &attrs.entries {
        let key: &str = &attr.name;
        if key == "__ignoreNulls" {
            continue;
        }
        let ctx_msg =
            || format!("while evaluating the attribute '{key}' of the derivation '{drv_name}'");
        let v = ev
            .force(attr.value.clone())
            .map_err(|e| e.context(attr.pos, ctx_msg()))?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        if key == "__contentAddressed" && ev.force_bool(v.clone(), pos)? {
            return Err(EvalError::msg(
                "experimental Nix feature 'ca-derivations' is disabled; use '--extra-experimental-features ca-derivations' to override",
                pos,
            ));
        }
        if key == "args" {
            let l = ev.expect_list(v, pos)?;
            for x in l.iter() {
                let s = ev
                    .coerce_to_string(x.clone(), pos, true, true)
                    .map_err(|e| e.context(attr.pos, ctx_msg()))?;
                crate::value::merge_ctx(&mut ctx, &s.ctx);
                drv.args.push(s.s);
            }
            continue;
        }
        if structured {
            if key == "__structuredAttrs" {
                continue;
            }
            if !json_first {
                json.push(',');
            }
            json_first = false;
            crate::print::json_escape(key, &mut json);
            json.push(':');
            let j = ev
                .to_json(v.clone(), pos, true, &mut ctx)
                .map_err(|e| e.context(attr.pos, ctx_msg()))?;
            json.push_str(&j);
            match key {
                "builder" => {
                    drv.builder = ev.force_str(v, pos)?;
                    has_builder = true;
                }
                "system" => {
                    drv.platform = ev.force_str(v, pos)?;
                    has_system = true;
                }
                "outputHash" => output_hash = Some(ev.force_str(v, pos)?),
                "outputHashAlgo" => output_hash_algo = Some(ev.force_str(v, pos)?),
                "outputHashMode" => output_hash_mode = Some(ev.force_str(v, pos)?),
                "outputs" => {
                    let l = ev.expect_list(v, pos)?;
                    let mut names = Vec::new();
                    for x in l.iter() {
                        names.push(ev.force_str(x.clone(), pos)?);
                    }
                    handle_outputs(&names, &mut outputs)?;
                }
                _ => {}
            }
            continue;
        }
        let s = ev
            .coerce_to_string(v.clone(), pos, true, true)
            .map_err(|e| e.context(attr.pos, ctx_msg()))?;
        crate::value::merge_ctx(&mut ctx, &s.ctx);
        match key {
            "builder" => {
                drv.builder = s.s.clone();
                has_builder = true;
            }
            "system" => {
                drv.platform = s.s.clone();
                has_system = true;
            }
            "outputHash" => output_hash = Some(s.s.clone()),
            "outputHashAlgo" => output_hash_algo = Some(s.s.clone()),
            "outputHashMode" => output_hash_mode = Some(s.s.clone()),
            "outputs" => {
                let l = ev.expect_list(v, pos)?;
                let mut names = Vec::new();
                for x in l.iter() {
                    names.push(ev.force_str(x.clone(), pos)?);
                }
                handle_outputs(&names, &mut outputs)?;
            }
            _ => {}
        }
        drv.env.insert(key.to_string(), s.s);
    }
    if structured {
        json.push('}');
        drv.env.insert("__json".to_string(), json);
    }

    // Turn the context into inputs.
    for c in &ctx {
        if let Some(p) = c.strip_prefix('=') {
            let mut closure = BTreeSet::new();
            closure_of(ev, &sd, p, &mut closure);
            for q in closure {
                let sp = sd.parse(&q).map_err(|e| store_err(e, pos))?;
                if q.ends_with(".drv") {
                    let outs: BTreeSet<String> = match ev.drv_cache.borrow().drvs.get(&q) {
                        Some(d) => d.outputs.keys().cloned().collect(),
                        None => BTreeSet::new(),
                    };
                    drv.input_drvs.insert(sp.clone(), outs);
                }
                drv.input_srcs.insert(sp);
            }
        } else if let Some(rest) = c.strip_prefix('!') {
            let (out, p) = rest.split_once('!').unwrap_or((rest, ""));
            let sp = sd.parse(p).map_err(|e| store_err(e, pos))?;
            drv.input_drvs
                .entry(sp)
                .or_default()
                .insert(out.to_string());
        } else {
            let (sp, _) = sd.split_inner(c).map_err(|e| store_err(e, pos))?;
            drv.input_srcs.insert(sp);
        }
    }

    if !has_builder {
        return Err(EvalError::msg("required attribute 'builder' missing", pos));
    }
    if !has_system {
        return Err(EvalError::msg("required attribute 'system' missing", pos));
    }

    if let Some(h) = output_hash {
        if outputs.len() != 1 || outputs[0] != "out" {
            return Err(EvalError::msg(
                "multiple outputs are not supported in fixed-output derivations",
                pos,
            ));
        }
        let algo = match output_hash_algo.as_deref() {
            None | Some("") => None,
            // An algorithm Nix does not know counts as none given.
            Some(a) => HashAlgo::parse(a).ok(),
        };
        let hash = Hash::parse(&h, algo)
            .map_err(|e| EvalError::msg(crate::store::hash_error_text(&e), pos))?;
        let method = match output_hash_mode.as_deref() {
            None | Some("flat") => ContentAddressMethod::Flat,
            Some("recursive") => ContentAddressMethod::Recursive,
            Some(m) => {
                return Err(EvalError::msg(
                    format!("invalid value '{m}' for 'outputHashMode' attribute"),
                    pos,
                ))
            }
        };
        drv.outputs.insert(
            "out".to_string(),
            DerivationOutput {
                path: None,
                fixed: Some(FixedOutputHash { method, hash }),
            },
        );
    } else {
        for o in &outputs {
            drv.outputs.insert(o.clone(), DerivationOutput::default());
        }
    }

    drv.fill_output_paths(&sd, |p| lookup_hashes(ev, &sd, p, 0))
        .map_err(|e| store_err(e, pos))?;
    let drv_path = drv.drv_path(&sd).map_err(|e| store_err(e, pos))?;
    let drv_path_s = sd.print(&drv_path);
    let hashes = drv
        .hash_derivation_modulo(&sd, false, |p| lookup_hashes(ev, &sd, p, 0))
        .map_err(|e| store_err(e, pos))?;

    let mut entries = vec![Attr {
        name: "drvPath".into(),
        value: Value::str_ctx(drv_path_s.clone(), vec![format!("={drv_path_s}")]),
        pos: Pos::NONE,
    }];
    for (name, o) in &drv.outputs {
        let p = o.path.as_ref().map(|p| sd.print(p)).unwrap_or_default();
        entries.push(Attr {
            name: name.as_str().into(),
            value: Value::str_ctx(p, vec![format!("!{name}!{drv_path_s}")]),
            pos: Pos::NONE,
        });
    }
    {
        let mut c = ev.drv_cache.borrow_mut();
        c.hashes.insert(drv_path_s.clone(), hashes);
        c.drvs.insert(drv_path_s, drv);
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}
