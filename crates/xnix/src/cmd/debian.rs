//! `xnix debian`: the collection's lock of Debian packages.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

const EXAMPLES: &str = "\
Examples:
  xnix debian lock                     refresh every pkgs/debian/<suite>-<arch>.json
  xnix debian lock --arch arm64        only the arm64 lock
  xnix debian lock --check             fail if a lock differs from the archive's indexes
  xnix debian lock --dir ./pkgs/debian --json

What is locked is configured in <dir>/roots.json: the suite, the component, and
per architecture named root groups of packages (resolved with their Depends) and
packages never followed (dpkg, debconf, ...). Files come from mirror://debian,
the Debian archive of this machine's APT sources (or XNIX_MIRROR_DEBIAN).

Each suite's dists/<suite>/InRelease must be signed by a key APT trusts here
(/usr/share/keyrings/debian-archive-keyring.gpg, /etc/apt/trusted.gpg and
/etc/apt/trusted.gpg.d; checked with gpgv, as APT does), or by one of the
keyrings listed in XNIX_DEBIAN_KEYRING (colon-separated); only the signed
text is read, and it vouches for the Packages index by SHA-256.";

/// Arguments of `xnix debian`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct DebianArgs {
    #[command(subcommand)]
    command: DebianCommand,
}

#[derive(Subcommand)]
enum DebianCommand {
    /// Generate or refresh the lock files from the archive's Packages indexes.
    #[command(after_help = EXAMPLES)]
    Lock(LockArgs),
}

/// Arguments of `xnix debian lock`.
#[derive(Args)]
struct LockArgs {
    /// The directory holding roots.json and the lock files (default: the
    /// collection's pkgs/debian).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only this Debian architecture (repeatable; default: every configured one).
    #[arg(long = "arch")]
    arches: Vec<String>,
    /// Write nothing; exit with 1 when a lock differs from what the archive gives now.
    #[arg(long)]
    check: bool,
    /// Print a JSON summary (per architecture: file, packages, changes).
    #[arg(long)]
    json: bool,
}

/// Run `xnix debian`.
pub fn run(args: DebianArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DebianCommand::Lock(a) => lock(a),
    }
}

fn lock(args: LockArgs) -> anyhow::Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => xnix_app::debian::default_lock_dir()?,
    };
    let json = args.json;
    let mut on_fetch = |path: &str| {
        if !json {
            eprintln!("fetching mirror://debian/{path}");
        }
    };
    let reports = xnix_app::debian::refresh_locks(&dir, &args.arches, args.check, &mut on_fetch)?;
    if args.json {
        let summary: Vec<_> = reports
            .iter()
            .map(|r| {
                serde_json::json!({
                    "architecture": r.architecture,
                    "file": r.file.display().to_string(),
                    "packages": r.packages,
                    "bytes": r.bytes,
                    "changes": r.changes,
                    "upToDate": r.up_to_date,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for r in &reports {
            let state = if r.up_to_date {
                "up to date"
            } else if r.written {
                "written"
            } else {
                "differs"
            };
            println!(
                "{}: {} packages, {} MiB of .deb files ({state})",
                r.file.display(),
                r.packages,
                r.bytes / (1 << 20)
            );
            for c in &r.changes {
                println!("  {c}");
            }
        }
    }
    let differs = reports.iter().any(|r| !r.up_to_date);
    Ok(if args.check && differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
