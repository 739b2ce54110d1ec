//! `xnix emulation`: how this machine builds other systems' derivations
//! (natively, under qemu registered per build, or globally), and the
//! explicit machine-wide registration for kernels without per-build
//! binfmt_misc. The logic is `xnix_app::emulation`.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix emulation status                  per system: native, per-build, global or no
  xnix emulation status --json
  xnix emulation enable aarch64-linux    register qemu-aarch64 machine-wide (root)
  xnix emulation disable                 remove every xnix-qemu-* registration

Builds need none of this on Linux 6.7 and later: each emulated build registers
the static qemu (Debian's qemu-user-static from the collection's lock) in its
own binfmt_misc instance and the machine's stays as it was. `enable` is for
older kernels: it registers the emulators in the machine's global binfmt_misc
as entries named xnix-qemu-<arch>, so every program of those systems on this
machine runs emulated until `disable`. Entries of others are left alone.";

/// Arguments of `xnix emulation`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct EmulationArgs {
    #[command(subcommand)]
    command: EmulationCommand,
}

#[derive(Subcommand)]
enum EmulationCommand {
    /// Show per system whether it builds natively, emulated per build,
    /// emulated through a global registration, or not.
    #[command(after_help = EXAMPLES)]
    Status {
        /// Print JSON: {perBuildBinfmt, global: [names], systems: [...]}.
        #[arg(long)]
        json: bool,
    },
    /// Register the lock's static qemu for SYSTEMs (default: every system
    /// it emulates) in the machine's global binfmt_misc.
    #[command(after_help = EXAMPLES)]
    Enable {
        /// Systems such as aarch64-linux.
        systems: Vec<String>,
        /// Use the machine's /usr/bin/qemu-*-static instead of the lock's.
        #[arg(long)]
        host_qemu: bool,
    },
    /// Remove xnix's global registrations for SYSTEMs (default: all).
    #[command(after_help = EXAMPLES)]
    Disable {
        /// Systems such as aarch64-linux.
        systems: Vec<String>,
    },
}

/// Run `xnix emulation`.
pub fn run(args: EmulationArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    match args.command {
        EmulationCommand::Status { json } => status(json),
        EmulationCommand::Enable { systems, host_qemu } => {
            let dirs = if host_qemu {
                Vec::new()
            } else {
                let store = opts.open()?;
                vec![xnix_app::emulation::LockedQemu::for_store(&store).realise()?]
            };
            let systems = if systems.is_empty() {
                xnix_app::emulation::status(&dirs)?
                    .into_iter()
                    .filter(|s| s.qemu.is_some())
                    .map(|s| s.system)
                    .collect()
            } else {
                systems
            };
            for name in xnix_app::emulation::enable(&systems, &dirs)? {
                println!("registered {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        EmulationCommand::Disable { systems } => {
            for name in xnix_app::emulation::disable(&systems)? {
                println!("removed {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn status(json: bool) -> anyhow::Result<ExitCode> {
    let per_build = xnix_app::emulation::per_build_binfmt_supported();
    let global = xnix_app::emulation::global_entries();
    let systems = xnix_app::emulation::status(&[])?;
    if json {
        let value = serde_json::json!({
            "perBuildBinfmt": per_build,
            "global": global.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "systems": systems.iter().map(|s| serde_json::json!({
                "system": s.system,
                "builds": s.builds,
                "qemu": s.qemu.as_ref().map(|q| q.display().to_string()),
                "globalEntry": s.global_entry,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "per-build binfmt_misc: {}",
        if per_build {
            "yes (each emulated build registers its own emulator)"
        } else {
            "no (kernel before 6.7: `xnix emulation enable` registers globally)"
        }
    );
    if global.is_empty() {
        println!("global binfmt_misc: no entries");
    } else {
        let names: Vec<&str> = global.iter().map(|(n, _)| n.as_str()).collect();
        println!("global binfmt_misc: {}", names.join(", "));
    }
    for s in &systems {
        let detail = match (&s.qemu, &s.reason) {
            (_, Some(why)) => why.clone(),
            (Some(q), None) => format!("{}", q.display()),
            (None, None) => String::new(),
        };
        let global = s
            .global_entry
            .as_ref()
            .map(|g| format!(" [global entry {g}]"))
            .unwrap_or_default();
        println!("  {:<22} {:<10} {detail}{global}", s.system, s.builds);
    }
    println!("(builds bring Debian's qemu-user-static from the lock when they need it; shown: the machine's)");
    Ok(ExitCode::SUCCESS)
}
