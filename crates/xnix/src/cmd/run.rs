//! `xnix run`: build one derivation, pick the program in it, and run it with
//! the given arguments — natively when this machine executes its binaries,
//! otherwise through the emulator xnix-platform chooses (qemu user mode for
//! foreign Linux CPUs, wine for Windows). Standard input, output, error and
//! the exit status pass through. Choosing the program and the emulator is
//! `xnix_app::run`.

use std::process::{Command, ExitCode};

use anyhow::Context;
use clap::Args;
use xnix_app::installable::DefaultInstallable;
use xnix_app::realise::{sandbox_paths, BuildOptions};
use xnix_app::{with_big_stack, Session};

use super::progress::Progress;
use super::{EvalSource, StoreOpts};

const EXAMPLES: &str = "\
Examples:
  xnix run -A hello                                   build and run GNU hello
  xnix run -A pkgsCross.aarch64-multiplatform.hello   the same for aarch64, through qemu-aarch64
  xnix run -A lua -- -e 'print(1+1)'                  arguments after -- go to the program
  xnix run -A pkgsCross.mingwW64.hello                a Windows program: needs wine
  xnix run ./default.nix -A tools --bin mytool -- --help
  xnix run -E 'with import <xnixpkgs> {}; zlib' --bin ...

With no FILE and no -E the package collection is used, as `xnix build` does,
and outputs come from --substituters (XNIX_SUBSTITUTERS) when a trusted cache
has them.
The program is `bin/NAME` of the selected output, NAME being --bin, else the
package's meta.mainProgram, else its pname (or its name without the version;
NAME.exe for Windows), else the only file in bin/. An output that is a single executable file is run
as it is.

Binaries this machine cannot execute (by their ELF or PE header) run through
the emulator nixpkgs' `emulator` names: `qemu-<arch>` from Debian's qemu-user,
with `-L` set to the cross sysroot (/usr/<triple>) for dynamically linked glibc
programs; `wine`/`wine64` for Windows programs. The program's exit status is
xnix's exit status (128 + N when a signal N ended it).";

/// Arguments of `xnix run`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    #[command(flatten)]
    pub source: EvalSource,
    /// The program to run: `bin/NAME` in the output.
    #[arg(long = "bin", value_name = "NAME")]
    pub bin: Option<String>,
    /// Run up to N builds at the same time.
    #[arg(short = 'j', long = "max-jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Copy every build log line to stderr (prefixed with the derivation name).
    #[arg(short = 'L', long = "print-build-logs")]
    pub print_build_logs: bool,
    /// Extra host path visible in every sandbox: PATH, INSIDE=HOST, optionally followed by '?'.
    #[arg(long = "sandbox-path", value_name = "SPEC")]
    pub sandbox_path: Vec<String>,
    #[command(flatten)]
    pub substitute: super::SubstituteArgs,
    /// Arguments for the program (after `--`).
    #[arg(last = true, value_name = "ARGS")]
    pub program_args: Vec<String>,
}

fn run_inner(args: RunArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    let store = opts.open()?;
    let session = Session::new(
        opts.store_dir(),
        args.source.request(DefaultInstallable::Collection, &opts),
    )?;
    let settings = opts.settings.build_options()?;
    let options = BuildOptions {
        jobs: args.jobs.unwrap_or(settings.jobs).max(1),
        sandbox_paths: sandbox_paths(&[opts.settings.sandbox_paths(), args.sandbox_path].concat())?,
        substituters: args.substitute.substituters(&opts)?,
        ..settings
    };
    super::lend_store(&session, &opts, &options)?;
    let progress = Progress::new(store.store_dir().clone(), args.print_build_logs);
    let plan = xnix_app::run::prepare(session, &store, &options, args.bin.as_deref(), &progress);
    progress.finish();
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return super::report_failure(e),
    };
    let cmd = &plan.command;
    let status = Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(&args.program_args)
        .status()
        .with_context(|| {
            format!(
                "starting {}",
                cmd.iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })?;
    if let Some(code) = status.code() {
        return Ok(code as u8);
    }
    use std::os::unix::process::ExitStatusExt;
    Ok(status.signal().map_or(1, |s| (128 + s) as u8))
}

/// Run `xnix run`.
pub fn run(args: RunArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}
