//! `xnix`: the command-line program. Each subcommand lives in its own module
//! under `cmd/`; this file only parses the command line and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

const EXAMPLES: &str = "\
Examples:
  xnix build -A hello                                 build from the package collection
  xnix run -A pkgsCross.aarch64-multiplatform.hello   build for aarch64 and run it through qemu
  xnix eval -E 'builtins.currentSystem'
  xnix platform show riscv64-linux
  xnix doctor                                         what this machine can build and run
  xnix build -A hello --option cores 4                a setting for this run (xnix show-config)
  xnix COMMAND --help                                 each command's options and examples";

// The evaluator's allocator (mimalloc behind free lists of small blocks): evaluation is
// most of what this program's time goes to.
xnix_eval::global_allocator!();

/// Nix-style cross-compilation.
#[derive(Parser)]
#[command(name = "xnix", version, about, long_about = None, propagate_version = true, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    store: cmd::StoreOpts,
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
    /// Copy store paths with their closures to or from a binary cache, as `nix copy`.
    Copy(cmd::copy::CopyArgs),
    /// Evaluate and write derivations to the store, as `nix-instantiate`.
    Instantiate(cmd::instantiate::InstantiateArgs),
    /// Build derivations and link their outputs, as `nix-build`.
    Build(cmd::build::BuildArgs),
    /// Print derivations as JSON, as `nix show-derivation`.
    ShowDerivation(cmd::show_derivation::ShowDerivationArgs),
    /// Show what the store knows about paths, as `nix path-info`.
    PathInfo(cmd::path_info::PathInfoArgs),
    /// Print the build log of a derivation or output path, as `nix log`.
    Log(cmd::log::LogArgs),
    /// Answer the serve protocol on stdin/stdout (the far end of ssh:// copies), as `nix-store --serve`.
    Serve(cmd::serve::ServeArgs),
    /// Build a system configuration and switch a machine to it, as `nixos-rebuild`.
    Rebuild(cmd::rebuild::RebuildArgs),
    /// Deploy system configurations to many machines in parallel, with magic rollback.
    Deploy(cmd::deploy::DeployArgs),
    /// Build a package and run its program (through qemu or wine when needed).
    Run(cmd::run::RunArgs),
    /// What this machine can build and run, per platform, and what to install.
    Doctor(cmd::doctor::DoctorArgs),
    /// The collection's lock of Debian packages (toolchains, C libraries).
    Debian(cmd::debian::DebianArgs),
    /// How other systems' derivations build here (qemu per build or global).
    Emulation(cmd::emulation::EmulationArgs),
    /// Flakes: show, metadata, lock, update, check, init.
    Flake(cmd::flake::FlakeCmdArgs),
    /// Show the effective settings (xnix.conf and --option), as `nix show-config`.
    ShowConfig(cmd::show_config::ShowConfigArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and usage errors; a reader that went away (`xnix --help | head`)
            // is not an error of ours.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let mut opts = cli.store;
    if let Err(err) = opts.load_settings() {
        eprintln!("error: {err:#}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Platforms(args) => cmd::platform::run_platforms(args),
        Command::Platform(args) => cmd::platform::run_platform(args),
        Command::Eval(args) => cmd::eval::run(args, &opts),
        Command::Repl(args) => cmd::repl::run(args, &opts),
        Command::Store(args) => cmd::store::run(args, &opts),
        Command::Copy(args) => cmd::copy::run(args, &opts),
        Command::Instantiate(args) => cmd::instantiate::run(args, opts),
        Command::Build(args) => cmd::build::run(args, opts),
        Command::ShowDerivation(args) => cmd::show_derivation::run(args, opts),
        Command::PathInfo(args) => cmd::path_info::run(args, opts),
        Command::Log(args) => cmd::log::run(args, opts),
        Command::Serve(args) => cmd::serve::run(args, &opts),
        Command::Rebuild(args) => cmd::rebuild::run(args, &opts),
        Command::Deploy(args) => cmd::deploy::run(args, &opts),
        Command::Run(args) => cmd::run::run(args, opts),
        Command::Doctor(args) => cmd::doctor::run(args, opts),
        Command::Debian(args) => cmd::debian::run(args),
        Command::Emulation(args) => cmd::emulation::run(args, &opts),
        Command::Flake(args) => cmd::flake::run(args, &opts),
        Command::ShowConfig(args) => cmd::show_config::run(args, &opts),
    };
    match result {
        Ok(code) => code,
        Err(err) if reader_went_away(&err) => ExitCode::from(141),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` is a write to a pipe whose reader has gone (`xnix ... | head`): the
/// program stops quietly, with the status a shell shows for SIGPIPE, as other tools do.
fn reader_went_away(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
