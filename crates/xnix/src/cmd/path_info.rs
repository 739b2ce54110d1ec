//! `xnix path-info`: what the registry knows about store paths, as Nix
//! 2.8's `nix path-info` prints it (plain or `--json`, optionally for the
//! whole closure with `-r`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde_json::{json, Map, Value};
use xnix_formats::StorePath;
use xnix_store::{LocalStore, ValidPathInfo};

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix path-info ./result
  xnix path-info -r ./result              the closure, dependencies first
  xnix path-info -rsS ./result            with NAR size and closure size
  xnix path-info --json /xnix/store/...-hello-2.12

--json prints one array with path, narHash (SRI), narSize, references, ca,
closureSize (with -S), deriver, registrationTime, ultimate and signatures, as
`nix path-info --json` does.";

/// Arguments of `xnix path-info`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct PathInfoArgs {
    /// Store paths, or links such as ./result.
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Show the closure: the paths and everything they refer to.
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show each path's NAR size.
    #[arg(short = 's', long)]
    pub size: bool,
    /// Show each path's closure size.
    #[arg(short = 'S', long)]
    pub closure_size: bool,
}

fn info_of(store: &LocalStore, p: &StorePath) -> anyhow::Result<ValidPathInfo> {
    store
        .query_path_info(p)?
        .with_context(|| format!("path '{}' is not valid", store.print_path(p)))
}

/// Nix's topological sort: referrers before their references, ties in path order.
pub fn topo_sort(
    store: &LocalStore,
    paths: &BTreeSet<StorePath>,
) -> anyhow::Result<Vec<StorePath>> {
    let mut refs: BTreeMap<StorePath, Vec<StorePath>> = BTreeMap::new();
    for p in paths {
        let info = info_of(store, p)?;
        refs.insert(
            p.clone(),
            info.references
                .into_iter()
                .filter(|r| r != p && paths.contains(r))
                .collect(),
        );
    }
    let mut sorted = Vec::with_capacity(paths.len());
    let mut visited = BTreeSet::new();
    for start in sorted_by_print(store, paths) {
        if visited.contains(&start) {
            continue;
        }
        // Iterative post-order walk.
        let mut stack: Vec<(StorePath, usize)> = vec![(start.clone(), 0)];
        visited.insert(start);
        while let Some((p, i)) = stack.pop() {
            let rs = &refs[&p];
            if i < rs.len() {
                stack.push((p.clone(), i + 1));
                let r = rs[i].clone();
                if visited.insert(r.clone()) {
                    stack.push((r, 0));
                }
            } else {
                sorted.push(p);
            }
        }
    }
    sorted.reverse();
    Ok(sorted)
}

fn sorted_by_print(store: &LocalStore, paths: &BTreeSet<StorePath>) -> Vec<StorePath> {
    let mut v: Vec<(String, StorePath)> = paths
        .iter()
        .map(|p| (store.print_path(p), p.clone()))
        .collect();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

fn closure_size(store: &LocalStore, p: &StorePath) -> anyhow::Result<u64> {
    let closure = store.closure(&BTreeSet::from([p.clone()]))?;
    let mut total = 0;
    for q in &closure {
        total += info_of(store, q)?.nar_size;
    }
    Ok(total)
}

/// The JSON object `nix path-info --json` prints for one path.
pub fn info_json(store: &LocalStore, info: &ValidPathInfo, closure: Option<u64>) -> Value {
    let mut o = Map::new();
    o.insert("path".into(), json!(store.print_path(&info.path)));
    o.insert("narHash".into(), json!(info.nar_hash.to_sri()));
    o.insert("narSize".into(), json!(info.nar_size));
    let mut refs: Vec<String> = info
        .references
        .iter()
        .map(|r| store.print_path(r))
        .collect();
    refs.sort();
    o.insert("references".into(), json!(refs));
    if let Some(ca) = &info.ca {
        o.insert("ca".into(), json!(ca));
    }
    if let Some(size) = closure {
        o.insert("closureSize".into(), json!(size));
    }
    if let Some(d) = &info.deriver {
        o.insert("deriver".into(), json!(store.print_path(d)));
    }
    if info.registration_time != 0 {
        o.insert("registrationTime".into(), json!(info.registration_time));
    }
    if info.ultimate {
        o.insert("ultimate".into(), json!(true));
    }
    if !info.sigs.is_empty() {
        o.insert("signatures".into(), json!(info.sigs));
    }
    Value::Object(o)
}

/// Run `xnix path-info`.
pub fn run(args: PathInfoArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let store = opts.open()?;
    let mut given = Vec::new();
    for a in &args.paths {
        let p = super::resolve_store_path(&store, a)?;
        info_of(&store, &p)?;
        given.push(p);
    }
    let paths: Vec<StorePath> = if args.recursive {
        let set: BTreeSet<StorePath> = given.iter().cloned().collect();
        let closure = store.closure(&set)?;
        let mut v = topo_sort(&store, &closure)?;
        v.reverse();
        v
    } else {
        given
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        // Nix prints the set in path order, compact, without a final newline.
        let set: BTreeSet<StorePath> = paths.into_iter().collect();
        let mut list = Vec::new();
        for p in sorted_by_print(&store, &set) {
            let info = info_of(&store, &p)?;
            let cs = if args.closure_size {
                Some(closure_size(&store, &p)?)
            } else {
                None
            };
            list.push(info_json(&store, &info, cs));
        }
        serde_json::to_writer(&mut out, &list)?;
    } else {
        let width = paths
            .iter()
            .map(|p| store.print_path(p).len())
            .max()
            .unwrap_or(0);
        for p in &paths {
            let shown = store.print_path(p);
            write!(out, "{shown}")?;
            if args.size || args.closure_size {
                write!(out, "{}", " ".repeat(width - shown.len()))?;
            }
            if args.size {
                write!(out, "\t{:>11}", info_of(&store, p)?.nar_size)?;
            }
            if args.closure_size {
                write!(out, "\t{:>11}", closure_size(&store, p)?)?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
