//! Fetchers. Evaluation here is offline: a fetch whose content hash is given yields the store
//! path Nix would give the download (a fixed-output path, computed without downloading) and is
//! recorded as a [`StoreObject::Download`](crate::store::StoreObject::Download), which the
//! caller fetches and verifies when it writes the evaluation's objects to a store; a fetch
//! without a hash, or of a kind that needs network access to even name its result
//! (`fetchGit`, `fetchMercurial`; `fetchTree` lives with the flakes), is an error that says so.

use super::BuiltinDef;
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("fetchurl", 1, fetchurl),
    ("fetchTarball", 1, fetch_tarball),
    ("fetchGit", 1, fetch_git),
    ("fetchMercurial", 1, fetch_mercurial),
];

/// `(url, name, sha256)` from a URL string or an attribute set.
fn fetch_args(
    ev: &Evaluator,
    v: &Value,
    default_name: Option<&str>,
    which: &str,
    pos: Pos,
) -> R<(String, String, Option<String>)> {
    let v = ev.force(v.clone())?;
    let (url, name, hash) = match &v {
        Value::Attrs(a) => {
            super::check_known_args(a, &["url", "name", "sha256"], which, pos)?;
            let url = match a.get("url") {
                Some(u) => ev.force_str_no_ctx(u.clone(), pos)?,
                None => return Err(EvalError::msg("'url' argument required", pos)),
            };
            let name = match a.get("name") {
                Some(n) => Some(ev.force_str(n.clone(), pos)?),
                None => None,
            };
            let hash = match a.get("sha256").or_else(|| a.get("hash")) {
                Some(h) => Some(ev.force_str(h.clone(), pos)?),
                None => None,
            };
            (url, name, hash)
        }
        _ => (ev.force_str_no_ctx(v.clone(), pos)?, None, None),
    };
    let name = name.unwrap_or_else(|| match default_name {
        Some(d) => d.to_string(),
        None => crate::path::base_name_of(url.split(['?', '#']).next().unwrap_or(&url)),
    });
    Ok((url, name, hash))
}

fn fixed_path(
    ev: &Evaluator,
    which: &str,
    url: &str,
    name: &str,
    hash: Option<String>,
    recursive: bool,
    pos: Pos,
) -> R<Value> {
    let Some(hash) = hash else {
        return Err(EvalError::msg(
            format!("{which}: cannot download '{url}' during evaluation; give its 'sha256' so that its store path can be computed"),
            pos,
        ));
    };
    let h =
        xnix_formats::Hash::parse(&hash, Some(xnix_formats::HashAlgo::Sha256)).map_err(|e| {
            EvalError::msg(
                format!("{which}: {}", crate::store::hash_error_text(&e)),
                pos,
            )
        })?;
    crate::store::check_name(name, pos)?;
    let method = if recursive {
        xnix_formats::ContentAddressMethod::Recursive
    } else {
        xnix_formats::ContentAddressMethod::Flat
    };
    let p = crate::store::fixed_output_path(ev, name, method, h.clone(), pos)?;
    ev.drv_cache
        .borrow_mut()
        .objects
        .push(crate::store::StoreObject::Download {
            url: url.to_string(),
            name: name.to_string(),
            sha256: h,
            unpack: recursive,
            path: p.clone(),
        });
    Ok(Value::str_ctx(p.clone(), vec![p]))
}

fn fetchurl(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let (url, name, hash) = fetch_args(ev, &a[0], None, "fetchurl", pos)?;
    fixed_path(ev, "fetchurl", &url, &name, hash, false, pos)
}

fn fetch_tarball(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let (url, name, hash) = fetch_args(ev, &a[0], Some("source"), "fetchTarball", pos)?;
    fixed_path(ev, "fetchTarball", &url, &name, hash, true, pos)
}

fn no_network(which: &str, pos: Pos) -> R<Value> {
    Err(EvalError::msg(
        format!("{which} needs network access, which evaluation does not have; use a fetcher derivation with a fixed hash instead"),
        pos,
    ))
}

fn fetch_git(_: &Evaluator, _: &[Value], pos: Pos) -> R<Value> {
    no_network("fetchGit", pos)
}

fn fetch_mercurial(_: &Evaluator, _: &[Value], pos: Pos) -> R<Value> {
    no_network("fetchMercurial", pos)
}
