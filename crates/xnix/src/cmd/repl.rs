//! `xnix repl`.

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct ReplArgs {}

pub fn run(_args: ReplArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`xnix repl` is not implemented yet")
}
