//! `xnix log`: the build log of a derivation or of an output path.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use xnix_app::realise::find_build_log;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix log /xnix/store/...-hello-2.12.drv
  xnix log /xnix/store/...-hello-2.12     the log of the build that made it
  xnix log ./result

Logs are kept in <state dir>/log/, one per derivation.";

/// Arguments of `xnix log`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct LogArgs {
    /// A `.drv` path, an output path, or a link to one.
    pub path: String,
}

/// Run `xnix log`.
pub fn run(args: LogArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let store = opts.open()?;
    let p = super::resolve_store_path(&store, &args.path)?;
    let log = find_build_log(&store, &p)?;
    let Some(log) = log else {
        bail!(
            "build log of '{}' is not available (it was not built here, or its log was removed)",
            store.print_path(&p)
        );
    };
    let bytes = std::fs::read(&log).with_context(|| format!("reading '{}'", log.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
