//! `xnix instantiate`: evaluate, write the `.drv` files (and the sources and
//! `toFile` texts they use) into the local store, print the `.drv` paths,
//! as `nix-instantiate` does.
//!
//! The evaluator computes paths without writing anything; it records what it
//! computed ([`xnix_eval::Evaluator::store_objects`],
//! [`xnix_eval::Evaluator::derivations`]), and this module writes those
//! objects afterwards, checking that the store arrives at the same paths.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::Args;
use xnix_eval::store::StoreObject;
use xnix_eval::{with_big_stack, EvalError, Evaluator, Value};
use xnix_formats::{ContentAddressMethod, Derivation, HashAlgo, StorePath};
use xnix_fs::FileKind;
use xnix_store::LocalStore;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix instantiate ./default.nix -A hello
  xnix instantiate -E 'derivation { name = \"x\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; }'
  xnix instantiate ./release.nix --argstr system aarch64-linux
  xnix instantiate --store-dir /nix/store --store-root /tmp/root ./default.nix

Each derivation found (the value itself, the attributes of a set, the elements
of a list, and sets marked `recurseForDerivations`) is written to the store with
everything it depends on, and its .drv path is printed, as nix-instantiate does
(with `!OUTPUT` appended when the selected output is not `out`).";

/// What to evaluate: files or expressions, attribute paths, arguments.
#[derive(Args, Clone, Debug, Default)]
pub struct EvalSource {
    /// Files to evaluate (default ./default.nix), or expressions with -E.
    #[arg(value_name = "FILE")]
    pub args: Vec<String>,
    /// Interpret the positional arguments as Nix expressions, not file names.
    #[arg(short = 'E', long = "expr")]
    pub expr: bool,
    /// Select an attribute path (e.g. `pkgsCross.aarch64-multiplatform.hello`).
    #[arg(short = 'A', long = "attr")]
    pub attr: Vec<String>,
    /// Pass NAME = EXPR to a top-level function with formal arguments.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STRING" to a top-level function with formal arguments.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// Add a search path entry: PATH or NAME=PATH (for `<NAME>` lookups).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Show the chain of contexts an error happened in.
    #[arg(long = "show-trace")]
    pub show_trace: bool,
    /// Flake installables (`.#attr`): lock file options.
    #[command(flatten)]
    pub flake: super::flake::FlakeArgs,
}

/// Arguments of `xnix instantiate`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct InstantiateArgs {
    #[command(flatten)]
    pub source: EvalSource,
}

/// A derivation selected by the expression: its `.drv` path and the output asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The `.drv` path, printed.
    pub drv_path: String,
    /// The selected output (`outputName`, usually `out`).
    pub output: String,
}

/// Why instantiation failed: an evaluation error (already formatted as Nix
/// would print it) or a store error.
pub enum InstantiateError {
    /// The evaluator's message, formatted with positions.
    Eval(String),
    /// Anything else.
    Other(anyhow::Error),
}

/// Evaluate `source` (or `default_file` when it names no file and no
/// expression), write what the result needs into `store`, and return the
/// selected derivations. Must run on a big stack ([`with_big_stack`]).
pub fn instantiate(
    source: &EvalSource,
    store_dir: &str,
    store: &LocalStore,
    default_file: &str,
) -> Result<Vec<Selected>, InstantiateError> {
    let ev = super::new_evaluator(store_dir, &source.include);
    // One flake installable: the evaluation cache may already know its derivations.
    let cache_key = match source.args.as_slice() {
        [one] if !source.expr && super::flake::is_installable(one) => {
            let purpose = format!(
                "instantiate\0{store_dir}\0attr={:?}\0arg={:?}\0argstr={:?}",
                source.attr, source.arg, source.argstr
            );
            super::flake::cache_key(&ev, one, &source.flake, &purpose)
                .map_err(|e| InstantiateError::Eval(ev.format_error(&e, source.show_trace)))?
        }
        _ => None,
    };
    if let Some(text) = cache_key.as_deref().and_then(super::flake::cache_get) {
        let cached: Vec<Selected> = text
            .lines()
            .filter_map(|l| l.split_once('!'))
            .map(|(d, o)| Selected {
                drv_path: d.to_string(),
                output: o.to_string(),
            })
            .collect();
        // Usable only while every derivation is still in the store.
        let all_valid = !cached.is_empty()
            && cached.iter().all(|s| {
                parse_drv(store, &s.drv_path)
                    .and_then(|p| Ok(store.is_valid_path(&p)?))
                    .unwrap_or(false)
            });
        if all_valid {
            return Ok(cached);
        }
    }
    let selected = match evaluate(&ev, source, default_file) {
        Ok(s) => s,
        Err(e) => {
            return Err(InstantiateError::Eval(
                ev.format_error(&e, source.show_trace),
            ))
        }
    };
    write_to_store(&ev, store).map_err(InstantiateError::Other)?;
    if let Some(key) = &cache_key {
        let text: String = selected
            .iter()
            .map(|s| format!("{}!{}\n", s.drv_path, s.output))
            .collect();
        super::flake::cache_put(key, &text);
    }
    Ok(selected)
}

fn evaluate(
    ev: &Evaluator,
    source: &EvalSource,
    default_file: &str,
) -> Result<Vec<Selected>, EvalError> {
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let auto = super::eval::auto_args(ev, &source.arg, &source.argstr, &cwd)?;
    let inputs: Vec<String> = if source.args.is_empty() {
        if source.expr {
            vec![]
        } else {
            vec![default_file.to_string()]
        }
    } else {
        source.args.clone()
    };
    let mut out = Vec::new();
    for input in inputs {
        let root = if source.expr {
            ev.eval_expr(&input, &cwd)?
        } else {
            super::flake::eval_arg(ev, &input, &source.flake)?
        };
        let root = ev.auto_call(root, &auto)?;
        let paths = if source.attr.is_empty() {
            vec![String::new()]
        } else {
            source.attr.clone()
        };
        for path in paths {
            let v = ev.select_attr_path(root.clone(), &path, &auto)?;
            let v = ev.auto_call(v, &auto)?;
            collect_derivations(ev, v, &auto, true, &mut out)?;
        }
    }
    Ok(out)
}

fn not_a_derivation() -> EvalError {
    EvalError::msg(
        "expression does not evaluate to a derivation (or a set or list of those)",
        xnix_eval::Pos::NONE,
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
    let pos = xnix_eval::Pos::NONE;
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
            let _ = pos;
            Ok(())
        }
        _ if top => Err(not_a_derivation()),
        _ => Ok(()),
    }
}

fn selected_of(ev: &Evaluator, a: &xnix_eval::Attrs) -> Result<Selected, EvalError> {
    let pos = xnix_eval::Pos::NONE;
    let drv_path = match a.get("drvPath") {
        Some(p) => ev.coerce_to_string(p.clone(), pos, false, false)?.s.clone(),
        None => {
            return Err(EvalError::msg(
                "derivation lacks a 'drvPath' attribute",
                pos,
            ))
        }
    };
    let output = match a.get("outputName") {
        Some(o) => ev.force_str(o.clone(), pos)?,
        None => "out".to_string(),
    };
    Ok(Selected { drv_path, output })
}

/// Fetch a `builtins.fetchurl` / `fetchTarball` download into the store at
/// `expected`, verifying it against the declared SHA-256.
fn download(
    store: &LocalStore,
    url: &str,
    name: &str,
    sha256: &xnix_formats::Hash,
    unpack: bool,
    expected: &StorePath,
) -> anyhow::Result<()> {
    use xnix_build::fetch::{fetch_to_store, FetchOptions, MirrorTable};
    let mirrors = MirrorTable::from_system().context("reading the mirror table")?;
    let options = FetchOptions::default();
    if !unpack {
        let (got, _) = fetch_to_store(
            store,
            name,
            url,
            ContentAddressMethod::Flat,
            Some(sha256),
            false,
            &mirrors,
            &options,
        )
        .with_context(|| format!("fetching '{url}'"))?;
        if &got != expected {
            bail!(
                "fetching '{url}' gave '{}', not '{}'",
                store.print_path(&got),
                store.print_path(expected)
            );
        }
        return Ok(());
    }
    // A tarball: fetched as it is, unpacked, and its single top-level directory (or the
    // whole tree if there are several entries) added as the source, as Nix does.
    let (tarball, _) = fetch_to_store(
        store,
        &format!("{name}.tar"),
        url,
        ContentAddressMethod::Flat,
        None,
        false,
        &mirrors,
        &options,
    )
    .with_context(|| format!("fetching '{url}'"))?;
    let scratch = tempfile::tempdir().context("making a directory to unpack into")?;
    let status = std::process::Command::new("tar")
        .arg("-xf")
        .arg(store.real_path(&tarball))
        .arg("-C")
        .arg(scratch.path())
        .status()
        .context("running tar to unpack the download")?;
    if !status.success() {
        bail!("unpacking '{url}' with tar failed ({status})");
    }
    let entries: Vec<_> = std::fs::read_dir(scratch.path())?.collect::<Result<_, _>>()?;
    let root = match entries.as_slice() {
        [one] if one.file_type()?.is_dir() => one.path(),
        _ => scratch.path().to_path_buf(),
    };
    let got = store.add_to_store(name, &root)?;
    if &got != expected {
        bail!(
            "hash mismatch in '{url}': unpacked, it is '{}', but sha256 {} declares '{}'",
            store.print_path(&got),
            sha256.to_sri(),
            store.print_path(expected)
        );
    }
    Ok(())
}

/// Write every source, text and derivation the evaluation computed into the
/// store (sources, then texts in creation order, then derivations inputs
/// first), checking that each lands at the path the evaluator computed.
pub fn write_to_store(ev: &Evaluator, store: &LocalStore) -> anyhow::Result<()> {
    let sd = store.store_dir().clone();
    for object in ev.store_objects() {
        match object {
            StoreObject::Source {
                src,
                name,
                recursive,
                rejected,
                path,
            } => {
                let expected = sd.parse(&path)?;
                store.add_temp_root(&expected)?;
                if store.is_valid_path(&expected)? {
                    continue;
                }
                let method = if recursive {
                    ContentAddressMethod::Recursive
                } else {
                    ContentAddressMethod::Flat
                };
                let mut filter = |p: &Path, _: FileKind| !rejected.contains(&*p.to_string_lossy());
                let (got, _) = store
                    .add_to_store_filtered(
                        &name,
                        Path::new(&src),
                        method,
                        HashAlgo::Sha256,
                        &mut filter,
                    )
                    .with_context(|| format!("copying '{src}' to the store"))?;
                if got != expected {
                    bail!(
                        "copying '{src}' to the store gave '{}', but evaluation computed '{path}' (did it change during evaluation?)",
                        store.print_path(&got)
                    );
                }
            }
            StoreObject::Download {
                url,
                name,
                sha256,
                unpack,
                path,
            } => {
                let expected = sd.parse(&path)?;
                store.add_temp_root(&expected)?;
                if !store.is_valid_path(&expected)? {
                    download(store, &url, &name, &sha256, unpack, &expected)?;
                }
            }
            StoreObject::Text {
                name,
                contents,
                references,
                path,
            } => {
                let refs = references
                    .iter()
                    .map(|r| sd.parse(r))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let got = store
                    .add_text_to_store(&name, &contents, &refs)
                    .with_context(|| format!("writing '{path}'"))?;
                if store.print_path(&got) != path {
                    bail!(
                        "writing '{name}' gave '{}', not '{path}'",
                        store.print_path(&got)
                    );
                }
            }
        }
    }
    let drvs: BTreeMap<String, Derivation> = ev.derivations().into_iter().collect();
    let mut written = BTreeSet::new();
    for path in drvs.keys() {
        write_drv(store, &drvs, path, &mut written)?;
    }
    Ok(())
}

fn write_drv(
    store: &LocalStore,
    drvs: &BTreeMap<String, Derivation>,
    path: &str,
    written: &mut BTreeSet<String>,
) -> anyhow::Result<()> {
    // Iterative depth-first walk: derivation graphs can be deep.
    let mut stack: Vec<(String, bool)> = vec![(path.to_string(), false)];
    while let Some((p, inputs_done)) = stack.pop() {
        if written.contains(&p) {
            continue;
        }
        let Some(drv) = drvs.get(&p) else { continue };
        if !inputs_done {
            stack.push((p.clone(), true));
            for input in drv.input_drvs.keys() {
                let ip = store.print_path(input);
                if !written.contains(&ip) {
                    stack.push((ip, false));
                }
            }
            continue;
        }
        // Already written (e.g. a rebuild): skip printing and hashing it again.
        let known = store.store_dir().parse(&p)?;
        store.add_temp_root(&known)?;
        if store.is_valid_path(&known)? {
            written.insert(p);
            continue;
        }
        let got = store
            .add_derivation(drv)
            .with_context(|| format!("writing derivation '{p}'"))?;
        if store.print_path(&got) != p {
            bail!(
                "writing derivation '{}' gave '{}', not '{p}'",
                drv.name,
                store.print_path(&got)
            );
        }
        written.insert(p);
    }
    Ok(())
}

/// Parse a printed `.drv` path.
pub fn parse_drv(store: &LocalStore, s: &str) -> anyhow::Result<StorePath> {
    store
        .store_dir()
        .parse(s)
        .map_err(|e| anyhow!("'{s}' is not a store path: {e}"))
}

/// The package collection: `$XNIX_PKGS`, or the `pkgs/` directory of the
/// repository the running executable is in (searched upwards from it), or
/// of the repository it was built from.
pub fn find_pkgs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("XNIX_PKGS") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let beside_exe = exe
        .ancestors()
        .map(|d| d.join("pkgs"))
        .find(|d| d.join("default.nix").is_file());
    // A binary built with its target directory outside the repository
    // (CARGO_TARGET_DIR) still knows the sources it was built from.
    beside_exe.or_else(|| {
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs");
        built_from
            .join("default.nix")
            .is_file()
            .then(|| built_from.canonicalize().unwrap_or(built_from))
    })
}

/// The file `build` and `run` evaluate when no FILE is named: the package collection
/// when there is no -E either (so `xnix build -A hello` works anywhere), else the
/// `./default.nix` that `instantiate` defaults to.
pub fn default_file(source: &EvalSource) -> anyhow::Result<String> {
    if !source.args.is_empty() || source.expr {
        return Ok("./default.nix".to_string());
    }
    match find_pkgs() {
        Some(p) => Ok(p.to_string_lossy().into_owned()),
        None => bail!(
            "no FILE or -E given, and the package collection was not found: set XNIX_PKGS to the pkgs/ directory"
        ),
    }
}

/// Run `xnix instantiate`.
pub fn run(args: InstantiateArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || -> anyhow::Result<u8> {
        let store = opts.open()?;
        match instantiate(&args.source, opts.store_dir(), &store, "./default.nix") {
            Ok(selected) => {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                for s in selected {
                    if s.output == "out" {
                        writeln!(out, "{}", s.drv_path)?;
                    } else {
                        writeln!(out, "{}!{}", s.drv_path, s.output)?;
                    }
                }
                out.flush()?;
                Ok(0)
            }
            Err(InstantiateError::Eval(msg)) => {
                eprintln!("{msg}");
                Ok(1)
            }
            Err(InstantiateError::Other(e)) => Err(e),
        }
    })?;
    Ok(ExitCode::from(code))
}
