//! `xnix eval`.

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct EvalArgs {}

pub fn run(_args: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`xnix eval` is not implemented yet")
}
