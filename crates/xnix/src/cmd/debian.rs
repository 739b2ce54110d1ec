//! `xnix debian`: the collection's lock of Debian packages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use xnix_build::fetch::{download_bytes, FetchOptions, MirrorTable};
use xnix_debian::lock::{Lock, LockConfig};

const EXAMPLES: &str = "\
Examples:
  xnix debian lock                     refresh every pkgs/debian/<suite>-<arch>.json
  xnix debian lock --arch arm64        only the arm64 lock
  xnix debian lock --check             fail if a lock differs from the archive's indexes
  xnix debian lock --dir ./pkgs/debian --json

What is locked is configured in <dir>/roots.json: the suite, the component, and
per architecture named root groups of packages (resolved with their Depends) and
packages never followed (dpkg, debconf, ...). Files come from mirror://debian,
the Debian archive of this machine's APT sources (or XNIX_MIRROR_DEBIAN).";

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
        None => xnix_app::installable::find_pkgs()
            .map(|p| p.join("debian"))
            .context("cannot find the collection's pkgs/ directory; pass --dir")?,
    };
    let config_path = dir.join("roots.json");
    let shown = config_path.display().to_string();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("reading {shown} (what to lock)"))?;
    let config = LockConfig::parse(&text, &shown)?;
    let mirrors = MirrorTable::from_system()?;
    let options = FetchOptions::default();
    let mut fetch = |path: &str| {
        if !args.json {
            eprintln!("fetching mirror://debian/{path}");
        }
        download_bytes(&format!("mirror://debian/{path}"), &mirrors, &options)
            .map_err(|e| e.to_string())
    };
    let locks = config.refresh(&args.arches, &shown, &mut fetch)?;
    let mut summary = Vec::new();
    let mut differs = false;
    for lock in &locks {
        let file = dir.join(config.lock_file_name(&lock.architecture));
        let old = match std::fs::read_to_string(&file) {
            Ok(t) => Some(
                Lock::from_json(&t)
                    .with_context(|| format!("reading the lock {}", file.display()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => bail!("reading the lock {}: {e}", file.display()),
        };
        let changes = match &old {
            Some(old) => lock.diff(old),
            None => vec![format!("new lock with {} packages", lock.packages.len())],
        };
        let same = old.as_ref().is_some_and(|o| o.to_json() == lock.to_json());
        differs |= !same;
        if !args.check && !same {
            let tmp = file.with_extension("json.tmp");
            std::fs::write(&tmp, lock.to_json())
                .with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &file)
                .with_context(|| format!("moving {} into place", tmp.display()))?;
        }
        let size: u64 = lock.packages.iter().map(|e| e.size).sum();
        if args.json {
            summary.push(serde_json::json!({
                "architecture": lock.architecture,
                "file": file.display().to_string(),
                "packages": lock.packages.len(),
                "bytes": size,
                "changes": changes,
                "upToDate": same,
            }));
        } else {
            let state = if same {
                "up to date"
            } else if args.check {
                "differs"
            } else {
                "written"
            };
            println!(
                "{}: {} packages, {} MiB of .deb files ({state})",
                file.display(),
                lock.packages.len(),
                size / (1 << 20)
            );
            for c in &changes {
                println!("  {c}");
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(if args.check && differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
