//! `xnix serve --stdio`: answer the serve protocol on stdin/stdout, as
//! `nix-store --serve`; what `xnix copy --to ssh://HOST` (and Nix's
//! `ssh://` stores) run on the other machine. The server is
//! `xnix_remote::server`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use xnix_remote::server::{serve, ServeOptions};

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix serve --stdio --write                (what xnix copy --to ssh://board runs there)
  xnix --store-dir /nix/store serve --stdio --write
  nix copy --to 'ssh://board?remote-program=xnix --store-dir /nix/store serve --stdio' ./result

The protocol is Nix's serve protocol (version 2.7, as Nix 2.8), so Nix's
ssh:// stores and nix-copy-closure can talk to xnix. Both sides must use the
same store directory. Without --write the store is read-only to the client.
Every path added is checked against its NAR hash and size and registered
only after its references.";

/// Arguments of `xnix serve`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct ServeArgs {
    /// Serve on standard input and output (the only transport).
    #[arg(long)]
    pub stdio: bool,
    /// Allow the client to add paths.
    #[arg(long)]
    pub write: bool,
    /// Accepted for Nix's clients, which append `--serve --write` to the
    /// remote program.
    #[arg(long, hide = true)]
    pub serve: bool,
}

/// Run `xnix serve`.
pub fn run(args: ServeArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    if !args.stdio && !args.serve {
        bail!("say how to serve: --stdio (the protocol on standard input and output)");
    }
    let store = opts.open()?;
    let options = ServeOptions {
        write_allowed: args.write,
        build: xnix_app::realise::BuildOptions {
            sandbox_paths: xnix_app::realise::sandbox_paths(&[])?,
            ..Default::default()
        },
    };
    serve(
        &store,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
        &options,
    )
    .context("serving the store")?;
    Ok(ExitCode::SUCCESS)
}
