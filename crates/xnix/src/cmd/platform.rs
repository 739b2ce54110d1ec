//! `xnix platforms` and `xnix platform ...`.

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct PlatformsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PlatformArgs {}

pub fn run_platforms(_args: PlatformsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`xnix platforms` is not implemented yet")
}

pub fn run_platform(_args: PlatformArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`xnix platform` is not implemented yet")
}
