//! `xnix`: the command-line program. Each subcommand lives in its own module
//! under `cmd/`; this file only parses the command line and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Nix-style cross-compilation.
#[derive(Parser)]
#[command(name = "xnix", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the platform catalogue (the names behind `pkgsCross.*`).
    Platforms(cmd::platform::PlatformsArgs),
    /// Inspect platforms: elaborate, compare, check what can run what.
    Platform(cmd::platform::PlatformArgs),
    /// Evaluate a Nix expression, as `nix-instantiate --eval`.
    Eval(cmd::eval::EvalArgs),
    /// An interactive Nix read-eval-print loop, as `nix repl`.
    Repl(cmd::repl::ReplArgs),
    /// The store: add, dump/restore NARs, hash, path info, verify, GC.
    Store(cmd::store::StoreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Platforms(args) => cmd::platform::run_platforms(args),
        Command::Platform(args) => cmd::platform::run_platform(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Repl(args) => cmd::repl::run(args),
        Command::Store(args) => cmd::store::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
