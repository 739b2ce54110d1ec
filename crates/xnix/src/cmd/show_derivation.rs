//! `xnix show-derivation`: derivations as JSON, exactly as Nix 2.8's
//! `nix show-derivation` prints them.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use xnix_formats::StorePath;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix show-derivation /xnix/store/...-hello-2.12.drv
  xnix show-derivation -r $(xnix instantiate -A hello)
  xnix show-derivation ./result          the deriver of a built output

The JSON maps each .drv path to its outputs, inputSrcs, inputDrvs, system,
builder, args and env, byte for byte as `nix show-derivation` prints it.";

/// Arguments of `xnix show-derivation`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct ShowDerivationArgs {
    /// `.drv` paths, or output paths (their recorded deriver is shown).
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Include every derivation the given ones depend on.
    #[arg(short = 'r', long)]
    pub recursive: bool,
}

/// Run `xnix show-derivation`.
pub fn run(args: ShowDerivationArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let store = opts.open()?;
    let mut wanted: BTreeSet<StorePath> = BTreeSet::new();
    for a in &args.paths {
        let p = super::resolve_store_path(&store, a)?;
        if p.is_derivation() {
            wanted.insert(p);
        } else {
            match store.query_path_info(&p)?.and_then(|i| i.deriver) {
                Some(d) => {
                    wanted.insert(d);
                }
                None => bail!(
                    "'{}' is neither a derivation nor an output with a known deriver",
                    store.print_path(&p)
                ),
            }
        }
    }
    if args.recursive {
        let mut queue: Vec<StorePath> = wanted.iter().cloned().collect();
        while let Some(p) = queue.pop() {
            let drv = store
                .read_derivation(&p)
                .with_context(|| format!("reading '{}'", store.print_path(&p)))?;
            for input in drv.input_drvs.keys() {
                if wanted.insert(input.clone()) {
                    queue.push(input.clone());
                }
            }
        }
    }
    // Nix orders the result by path.
    let mut printed: Vec<(String, StorePath)> = wanted
        .into_iter()
        .map(|p| (store.print_path(&p), p))
        .collect();
    printed.sort();
    let mut obj = serde_json::Map::new();
    for (shown, p) in printed {
        let drv = store
            .read_derivation(&p)
            .with_context(|| format!("reading '{shown}'"))?;
        obj.insert(shown, drv.to_json(store.store_dir()));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, &obj)?;
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
