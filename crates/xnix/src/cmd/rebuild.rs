//! `xnix rebuild ACTION`: build a system configuration and make it a
//! machine's system, as `nixos-rebuild`. Building is `xnix build` (run as a
//! child of this program, so the evaluation and build options stay one
//! concept); generations, activation and rollback are `xnix_deploy`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use xnix_deploy::{rollback, state_dir_for, Action, DeployEvent, Target};
use xnix_remote::ssh::{ssh_opts_from_env, SshMaster, SshUrl, CONNECT_TIMEOUT};

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix rebuild build -f ./board.nix               build the system, link ./result
  xnix rebuild switch -f ./board.nix --target-host root@board
  xnix rebuild test -f ./machines.nix -A board --target-host root@10.0.0.7
  xnix rebuild boot -E 'import ./board.nix { }' --target-host root@board
  xnix rebuild dry-activate -f ./board.nix --target-host root@board
  xnix rebuild list-generations --target-host root@board
  xnix rebuild switch --rollback --target-host root@board

FILE (or -E EXPR, with -A ATTR) must evaluate to a system configuration (what
lib.nixosSystem returns); its config.system.build.toplevel is built here.
With --target-host the closure is copied over ssh (only what the target
lacks; extra ssh options in XNIX_SSHOPTS), then the target's switch-to-
configuration runs detached there: a dropped connection does not stop it.
switch and boot add a generation /xnix/var/xnix/profiles/system-N-link on the
target and point profiles/system at it by an atomic rename; --rollback goes
back to the generation before the current one.";

/// What `xnix rebuild` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RebuildAction {
    /// Make it the default and activate it now.
    Switch,
    /// Make it the default, activate it at the next boot.
    Boot,
    /// Activate it now, without making it the default.
    Test,
    /// Only build it (and link ./result).
    Build,
    /// Show what activating it would change.
    DryActivate,
    /// List the target's generations.
    ListGenerations,
}

/// Arguments of `xnix rebuild`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct RebuildArgs {
    /// What to do.
    #[arg(value_enum)]
    pub action: RebuildAction,
    /// The file holding the system configuration.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "expr"
    )]
    pub file: Option<PathBuf>,
    /// An expression yielding the system configuration.
    #[arg(short = 'E', long = "expr", value_name = "EXPR")]
    pub expr: Option<String>,
    /// The attribute of FILE/EXPR that is the system configuration.
    #[arg(short = 'A', long = "attr", value_name = "ATTR")]
    pub attr: Option<String>,
    /// Pass NAME = EXPR to a file that is a function.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STRING" to a file that is a function.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// A flake's system configuration (.#NAME).
    #[arg(long, value_name = "FLAKE#NAME")]
    pub flake: Option<String>,
    /// The machine to deploy to ([USER@]HOST, or ssh://...); default: this machine.
    #[arg(long, value_name = "[USER@]HOST")]
    pub target_host: Option<String>,
    /// Build on this machine instead of here.
    #[arg(long, value_name = "HOST")]
    pub build_host: Option<String>,
    /// Go back to the generation before the current one (switch, boot, test).
    #[arg(long)]
    pub rollback: bool,
    /// Run the activation through sudo on the target.
    #[arg(long)]
    pub use_remote_sudo: bool,
    /// Print list-generations as JSON.
    #[arg(long)]
    pub json: bool,
}

fn action_of(a: RebuildAction) -> Option<Action> {
    match a {
        RebuildAction::Switch => Some(Action::Switch),
        RebuildAction::Boot => Some(Action::Boot),
        RebuildAction::Test => Some(Action::Test),
        RebuildAction::DryActivate => Some(Action::DryActivate),
        RebuildAction::Build | RebuildAction::ListGenerations => None,
    }
}

/// Parse a `--target-host` value (`[USER@]HOST` or an ssh:// URL).
pub fn target_url(host: &str) -> anyhow::Result<SshUrl> {
    let url = if host.starts_with("ssh://") {
        host.to_string()
    } else {
        format!("ssh://{host}")
    };
    Ok(SshUrl::parse(&url)?.expect("an ssh:// URL"))
}

fn open_target(args: &RebuildArgs, opts: &StoreOpts) -> anyhow::Result<Target> {
    let sd = xnix_formats::StoreDir::new(opts.store_dir().to_string())?;
    let state = state_dir_for(&sd);
    Ok(match &args.target_host {
        Some(host) => {
            let url = target_url(host)?;
            let master = SshMaster::connect(&url, &ssh_opts_from_env(), CONNECT_TIMEOUT)?;
            Target::ssh(master, state)
        }
        None => Target::local(state),
    }
    .with_sudo(args.use_remote_sudo))
}

/// Build the toplevel with `xnix build` and return its store path.
fn build_system(args: &RebuildArgs, opts: &StoreOpts, link: bool) -> anyhow::Result<String> {
    if args.flake.is_some() {
        bail!("--flake is not supported yet; pass the configuration with -f FILE [-A ATTR] or -E EXPR");
    }
    let exe = std::env::current_exe().context("finding the xnix program")?;
    let mut cmd = Command::new(exe);
    if let Some(d) = &opts.store_dir {
        cmd.args(["--store-dir", d]);
    }
    if let Some(r) = &opts.store_root {
        cmd.arg("--store-root").arg(r);
    }
    if let Some(s) = &opts.state_dir {
        cmd.arg("--state-dir").arg(s);
    }
    cmd.arg("build");
    match (&args.file, &args.expr) {
        (Some(f), None) => {
            cmd.arg(f);
        }
        (None, Some(e)) => {
            cmd.arg("-E").arg(e);
        }
        _ => bail!("say which system to build: -f FILE [-A ATTR] or -E EXPR"),
    }
    let attr = match &args.attr {
        Some(a) => format!("{a}.config.system.build.toplevel"),
        None => "config.system.build.toplevel".to_string(),
    };
    cmd.args(["-A", &attr]);
    for pair in args.arg.chunks(2) {
        cmd.arg("--arg").args(pair);
    }
    for pair in args.argstr.chunks(2) {
        cmd.arg("--argstr").args(pair);
    }
    if !link {
        cmd.arg("--no-out-link");
    }
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running xnix build")?;
    if !out.status.success() {
        bail!("building the system failed (see above)");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout
        .lines()
        .last()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .context("xnix build printed no path")?;
    Ok(path.to_string())
}

fn run_inner(args: RebuildArgs, opts: &StoreOpts) -> anyhow::Result<u8> {
    if args.build_host.is_some() {
        bail!("--build-host is not supported yet: build here (drop --build-host)");
    }
    match args.action {
        RebuildAction::Build => {
            let path = build_system(&args, opts, true)?;
            println!("{path}");
            return Ok(0);
        }
        RebuildAction::ListGenerations => {
            let target = open_target(&args, opts)?;
            let gens = target.generations()?;
            let mut out = std::io::stdout().lock();
            if args.json {
                let list: Vec<_> = gens
                    .iter()
                    .map(|g| serde_json::json!({"generation": g.number, "system": g.system, "current": g.current}))
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(list))?;
            } else {
                for g in &gens {
                    let cur = if g.current { "   (current)" } else { "" };
                    writeln!(out, "{:>4}   {}{cur}", g.number, g.system)?;
                }
            }
            return Ok(0);
        }
        _ => {}
    }
    let action = action_of(args.action).expect("the other actions returned above");
    let target = open_target(&args, opts)?;
    if args.rollback {
        if action == Action::DryActivate {
            bail!("--rollback goes with switch, boot or test");
        }
        let (generation, activation) = rollback(&target, action)?;
        eprint!("{}", activation.log);
        if activation.status != 0 {
            eprintln!(
                "error: activating generation {} on {} failed (exit status {})",
                generation.number,
                target.name(),
                activation.status
            );
            return Ok(1);
        }
        eprintln!(
            "{}: back at generation {}",
            target.name(),
            generation.number
        );
        return Ok(0);
    }
    let built = build_system(&args, opts, false)?;
    let store = opts.open()?;
    let system = store
        .parse_path(&built)
        .with_context(|| format!("xnix build printed '{built}'"))?;
    let outcome = xnix_deploy::deploy(&store, &target, &system, action, None, &mut |e| match e {
        DeployEvent::Copying => eprintln!("copying the system to {}...", target.name()),
        DeployEvent::Copied(n, present) => {
            eprintln!("copied {n} paths ({present} already there)")
        }
        DeployEvent::Activating => eprintln!("activating ({})...", action.as_str()),
        _ => {}
    })?;
    eprint!("{}", outcome.activation.log);
    if outcome.activation.status != 0 {
        eprintln!(
            "error: switch-to-configuration {} on {} failed (exit status {})",
            action.as_str(),
            target.name(),
            outcome.activation.status
        );
        return Ok(1);
    }
    Ok(0)
}

/// Run `xnix rebuild`.
pub fn run(args: RebuildArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::from(run_inner(args, opts)?))
}
