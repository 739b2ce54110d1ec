//! `xnix instantiate`: evaluate, write the `.drv` files (and the sources and
//! `toFile` texts they use) into the local store, print the `.drv` paths,
//! as `nix-instantiate` does. The work is `xnix_app::instantiate`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use xnix_app::installable::DefaultInstallable;
use xnix_app::{with_big_stack, Session};

use super::progress::Progress;
use super::{EvalSource, StoreOpts};

const EXAMPLES: &str = "\
Examples:
  xnix instantiate -A hello      (./default.nix, or the package collection without one)
  xnix instantiate ./default.nix -A hello
  xnix instantiate -E 'derivation { name = \"x\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; }'
  xnix instantiate ./release.nix --argstr system aarch64-linux
  xnix instantiate --store-dir /nix/store --store-root /tmp/root ./default.nix

Each derivation found (the value itself, the attributes of a set, the elements
of a list, and sets marked `recurseForDerivations`) is written to the store with
everything it depends on, and its .drv path is printed, as nix-instantiate does
(with `!OUTPUT` appended when the selected output is not `out`).";

/// Arguments of `xnix instantiate`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct InstantiateArgs {
    #[command(flatten)]
    pub source: EvalSource,
}

/// Run `xnix instantiate`.
pub fn run(args: InstantiateArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || -> anyhow::Result<u8> {
        let store = opts.open()?;
        // `./default.nix` as nix-instantiate reads it; without one, the package collection,
        // as `xnix build` and `xnix run` take it (`xnix instantiate -A hello` anywhere).
        let default = if std::path::Path::new("default.nix").exists() {
            DefaultInstallable::CurrentDirectory
        } else {
            DefaultInstallable::Collection
        };
        let request = args.source.request(default, &opts);
        let session = Session::new(opts.store_dir(), request)?;
        super::lend_store(&session, &opts, &opts.settings.build_options()?)?;
        let progress = Progress::new(store.store_dir().clone(), false);
        let result = xnix_app::instantiate::instantiate(&session, &store, &progress);
        progress.finish();
        let selected = match result {
            Ok(s) => s,
            Err(e) => return super::report_failure(e),
        };
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
    })?;
    Ok(ExitCode::from(code))
}
