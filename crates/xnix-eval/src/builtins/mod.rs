//! The builtins, split by theme. Every module exports a `BUILTINS` table of
//! `(name, arity, implementation)`; `install` registers them all. To add builtins, add a module
//! with such a table and list it in [`TABLES`].

use std::collections::HashMap;
use std::rc::Rc;

use crate::value::*;
use crate::Evaluator;

mod arith;
mod attrs;
mod control;
mod current;
mod derivation;
mod fetch;
pub mod flake;
mod json;
mod json_parse;
mod lists;
mod paths;
mod platform;
mod strings;
mod types;
mod versions;
mod xml;

pub(crate) use derivation::DrvCache;

/// One builtin: name (without `__`), arity, implementation.
pub type BuiltinDef = (&'static str, usize, PrimOpFn);

/// Every builtin table.
pub const TABLES: &[&[BuiltinDef]] = &[
    arith::BUILTINS,
    attrs::BUILTINS,
    control::BUILTINS,
    current::BUILTINS,
    derivation::BUILTINS,
    fetch::BUILTINS,
    flake::BUILTINS,
    json::BUILTINS,
    lists::BUILTINS,
    paths::BUILTINS,
    platform::BUILTINS,
    strings::BUILTINS,
    types::BUILTINS,
    versions::BUILTINS,
    xml::BUILTINS,
];

/// Builtins that are also available without the `__` prefix.
const UNPREFIXED: &[&str] = &[
    "abort",
    "baseNameOf",
    "builtins",
    "derivation",
    "derivationStrict",
    "dirOf",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "null",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
    "true",
];

/// The system this evaluator reports as `builtins.currentSystem`.
pub fn current_system() -> String {
    std::env::var("XNIX_SYSTEM").unwrap_or_else(|_| xnix_platform::host_double())
}

/// The Nix code of `derivation`: a wrapper over `derivationStrict` that builds one attribute set
/// per output, each with `outPath`, `drvPath`, `type`, `outputName`, `all` and `drvAttrs`.
const DERIVATION_NIX: &str = r#"
drvAttrs @ { outputs ? [ "out" ], ... }:
let
  strict = builtins.derivationStrict drvAttrs;
  outputEntry = outputName: {
    name = outputName;
    value = common // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  outputsList = map outputEntry outputs;
  common = drvAttrs // (builtins.listToAttrs outputsList) // {
    all = map (o: o.value) outputsList;
    inherit drvAttrs;
  };
in (builtins.head outputsList).value
"#;

/// Register every builtin and constant in the evaluator's global scope.
pub(crate) fn install(ev: &mut Evaluator) {
    let mut entries: Vec<Attr> = Vec::new();
    let mut add = |name: &str, value: Value| {
        entries.push(Attr {
            name: name.into(),
            value,
            pos: Pos::NONE,
        })
    };
    for table in TABLES {
        for (name, arity, func) in table.iter() {
            add(
                name,
                Value::PrimOp(Rc::new(PrimOp {
                    name,
                    arity: *arity,
                    func: *func,
                })),
            );
        }
    }
    add("true", Value::Bool(true));
    add("false", Value::Bool(false));
    add("null", Value::Null);
    add("currentSystem", Value::str(current_system()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    add("currentTime", Value::Int(now));
    add("nixVersion", Value::str("2.8.0"));
    add("langVersion", Value::Int(6));
    add("storeDir", Value::str(ev.store_dir.clone()));
    let nix_path_thunk = Rc::new(Thunk::new(ThunkState::Done(nix_path_list(ev))));
    add("nixPath", Value::Thunk(nix_path_thunk.clone()));
    let self_ref = Rc::new(Thunk::new(ThunkState::Blackhole));
    add("builtins", Value::Thunk(self_ref.clone()));
    let derivation_slot = Rc::new(Thunk::new(ThunkState::Blackhole));
    add("derivation", Value::Thunk(derivation_slot.clone()));

    let attrs = Attrs::from_unsorted(entries);
    // Globals: every builtin as `__name`, some also without the prefix.
    let mut names: HashMap<Sym, u32> = HashMap::new();
    let mut vals = Vec::new();
    for a in &attrs.entries {
        if a.name.as_ref() != "builtins" {
            names.insert(format!("__{}", a.name).into(), vals.len() as u32);
            vals.push(a.value.clone());
        }
        if UNPREFIXED.contains(&a.name.as_ref()) {
            names.insert(a.name.clone(), vals.len() as u32);
            vals.push(a.value.clone());
        }
    }
    let builtins = Value::attrs(attrs);
    // SAFETY: nothing looks into the thunk while the builtins are being set up.
    drop(unsafe { self_ref.0.replace(ThunkState::Done(builtins)) });
    // SAFETY: nothing looks into the global frame while the builtins are being set up.
    unsafe { ev.globals.vals.fill(EnvVals::from_vec(vals)) };
    ev.global_names = names;
    ev.nix_path_value = nix_path_thunk;
    let code = ev
        .parse(DERIVATION_NIX, "<nix/derivation-internal.nix>", "/")
        .expect("derivation wrapper parses");
    // SAFETY: as above.
    drop(unsafe {
        derivation_slot
            .0
            .replace(ThunkState::Expr(code, ev.globals.clone()))
    });
}

/// Refresh `builtins.nixPath` after the search path changed.
pub(crate) fn refresh_nix_path(ev: &Evaluator) {
    let list = nix_path_list(ev);
    // SAFETY: called between evaluations, when nothing looks into the thunk.
    drop(unsafe { ev.nix_path_value.0.replace(ThunkState::Done(list)) });
}

/// `builtins.nixPath`: the search path as a list of `{ path; prefix; }`.
fn nix_path_list(ev: &Evaluator) -> Value {
    let entries = ev.search_path.borrow();
    Value::list(
        entries
            .iter()
            .map(|(prefix, path)| {
                mk_attrs(vec![
                    ("path", Value::str(path.clone())),
                    ("prefix", Value::str(prefix.clone())),
                ])
            })
            .collect(),
    )
}

/// Shorthand for building an attribute set from unsorted (name, value) pairs.
pub(crate) fn mk_attrs(pairs: Vec<(&str, Value)>) -> Value {
    Value::attrs(Attrs::from_unsorted(
        pairs
            .into_iter()
            .map(|(n, v)| Attr {
                name: n.into(),
                value: v,
                pos: Pos::NONE,
            })
            .collect(),
    ))
}

/// Where `<nix/...>` resolves when no search path entry provides it (Nix's built-in files).
pub const COREPKGS_PREFIX: &str = "/__corepkgs__/";

/// `<nix/fetchurl.nix>`: a fixed-output derivation built by the `builtin:fetchurl` builder.
/// Its attributes (and so its `.drv` hash) are those Nix's own file produces.
const COREPKGS_FETCHURL: &str = r#"
{ system ? "", url, hash ? "", md5 ? "", sha1 ? "", sha256 ? "", sha512 ? ""
, outputHash ? (
    let given = builtins.filter (h: h != "") [ hash sha512 sha1 md5 ];
    in if given == [ ] then sha256 else builtins.head given)
, outputHashAlgo ? (
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else if md5 != "" then "md5"
    else "sha256")
, executable ? false
, unpack ? false
, name ? baseNameOf (toString url)
}:
derivation {
  inherit name url executable unpack outputHash outputHashAlgo;
  builder = "builtin:fetchurl";
  system = "builtin";
  outputHashMode = if unpack || executable then "recursive" else "flat";
  preferLocalBuild = true;
  impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  urls = [ url ];
}
"#;

/// The source of a built-in file under [`COREPKGS_PREFIX`].
pub fn corepkg_source(path: &str) -> Option<&'static str> {
    match path.strip_prefix(COREPKGS_PREFIX)? {
        "fetchurl.nix" => Some(COREPKGS_FETCHURL),
        _ => None,
    }
}

/// Reject an argument set with a name the builtin does not know, as Nix does: the first
/// unknown name in symbol order, printed as a symbol (quoted unless an identifier).
pub(crate) fn check_known_args(
    args: &crate::value::Attrs,
    known: &[&str],
    builtin: &str,
    pos: crate::value::Pos,
) -> Result<(), crate::error::EvalError> {
    for a in crate::eval::attrs_in_symbol_order(&args.entries) {
        if !known.contains(&&*a.name) {
            return Err(crate::error::EvalError::msg(
                format!(
                    "unsupported argument '{}' to '{builtin}'",
                    crate::print::print_attr_name(&a.name)
                ),
                pos,
            ));
        }
    }
    Ok(())
}
