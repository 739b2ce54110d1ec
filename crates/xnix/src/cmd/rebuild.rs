//! `xnix rebuild ACTION`: build a system configuration and make it a
//! machine's system, as `nixos-rebuild`. Evaluating and building are
//! `xnix_app`'s (a session over the file or expression); generations,
//! activation and rollback are `xnix_deploy`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use xnix_app::installable::{EvalRequest, Installable};
use xnix_app::{with_big_stack, Session};
use xnix_deploy::{rollback, state_dir_for, Action, DeployEvent, Target};
use xnix_remote::ssh::{ssh_opts_from_env, SshMaster, SshUrl, CONNECT_TIMEOUT};

use super::progress::Progress;
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
  xnix rebuild switch -f ./board.nix --build-host root@builder --target-host root@board
  xnix rebuild switch --flake .#board --target-host root@board

FILE (or -E EXPR, with -A ATTR) must evaluate to a system configuration (what
lib.nixosSystem returns), as must --flake FLAKE#NAME's nixosConfigurations.NAME;
its config.system.build.toplevel is built here.
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
    /// A flake's system configuration: FLAKE#NAME is FLAKE's nixosConfigurations.NAME.
    #[arg(long, value_name = "FLAKE#NAME")]
    pub flake: Option<String>,
    /// The machine to deploy to ([USER@]HOST, or ssh://...); default: this machine.
    #[arg(long, value_name = "[USER@]HOST")]
    pub target_host: Option<String>,
    /// Build on this machine ([USER@]HOST) instead of here; the result goes
    /// from there straight to the target.
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

/// The installable and attribute path of the system's toplevel.
fn system_selection(args: &RebuildArgs) -> anyhow::Result<(Installable, String)> {
    if let Some(flake) = &args.flake {
        let Some((reference, name)) = flake.split_once('#').filter(|(_, n)| !n.is_empty()) else {
            bail!("--flake {flake}: name the configuration, as in --flake .#board (nixosConfigurations.board)");
        };
        let expr = format!(
            "(builtins.getFlake {}).nixosConfigurations.{}",
            nix_string(&flake_ref(reference)?),
            nix_string(name)
        );
        return Ok((
            Installable::Exprs(vec![expr]),
            "config.system.build.toplevel".into(),
        ));
    }
    let installable = match (&args.file, &args.expr) {
        (Some(f), None) => Installable::Files(vec![f.display().to_string()]),
        (None, Some(e)) => Installable::Exprs(vec![e.clone()]),
        _ => bail!("say which system to build: -f FILE [-A ATTR] or -E EXPR"),
    };
    let attr = match &args.attr {
        Some(a) => format!("{a}.config.system.build.toplevel"),
        None => "config.system.build.toplevel".to_string(),
    };
    Ok((installable, attr))
}

/// Build the system's toplevel; `Err(code)` after a reported failure.
fn build_system(
    args: &RebuildArgs,
    opts: &StoreOpts,
    store: &xnix_store::LocalStore,
    link: bool,
) -> anyhow::Result<Result<xnix_formats::StorePath, u8>> {
    let (installable, attr) = system_selection(args)?;
    Ok(super::build_selected(
        store,
        opts,
        installable,
        vec![attr],
        &args.arg,
        &args.argstr,
        link,
    )?
    .map(|mut v| v.remove(0)))
}

/// Evaluate the system and write its derivations here (nothing is built
/// here), and connect to the build host.
fn instantiate_for_build_host(
    args: &RebuildArgs,
    opts: &StoreOpts,
    store: &xnix_store::LocalStore,
    host: &str,
) -> anyhow::Result<Result<(xnix_formats::StorePath, SshMaster), u8>> {
    let (installable, attr) = system_selection(args)?;
    let mut request = EvalRequest::new(installable);
    request.attr_paths = vec![attr];
    request.arg_exprs = pairs(&args.arg);
    request.arg_strs = pairs(&args.argstr);
    let session = Session::new(opts.store_dir(), request)?;
    let progress = Progress::new(store.store_dir().clone(), false);
    let selected = xnix_app::instantiate::instantiate(&session, store, &progress);
    progress.finish();
    session.leak();
    let selected = match selected {
        Ok(s) => s,
        Err(e) => return Ok(Err(super::report_failure(e)?)),
    };
    let drv = store.parse_path(&selected.first().context("no system selected")?.drv_path)?;
    let master = SshMaster::connect(&target_url(host)?, &ssh_opts_from_env(), CONNECT_TIMEOUT)?;
    Ok(Ok((drv, master)))
}

/// `--build-host`: build there, copy the system from there straight to the
/// target (through this machine, stored only on the two ends), activate.
fn deploy_from_build_host(
    args: &RebuildArgs,
    opts: &StoreOpts,
    store: &xnix_store::LocalStore,
    host: &str,
    target: &Target,
    action: Action,
) -> anyhow::Result<u8> {
    let (drv, master) = match instantiate_for_build_host(args, opts, store, host)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    eprintln!("building on {}...", master.url().display());
    let (mut build_client, outputs) = xnix_deploy::build_on(store, &master, &drv)?;
    let system = outputs
        .iter()
        .next()
        .context("the system has no output")?
        .clone();
    match target.master() {
        Some(t) => {
            eprintln!(
                "copying the system from {} to {}...",
                master.url().display(),
                target.name()
            );
            let mut to = t.serve_client(store.store_dir())?;
            xnix_remote::copy::copy_between(&mut build_client, &mut to, &outputs, &mut |_| {})?;
            to.close()?;
        }
        None => {
            xnix_remote::copy::copy_from(store, &mut build_client, &outputs, &mut |_| {})?;
        }
    }
    build_client.close()?;
    eprintln!("activating ({})...", action.as_str());
    let activated = xnix_deploy::activate(
        target,
        &store.print_path(&system),
        action,
        None,
        &mut |_| {},
    )?;
    eprint!("{}", activated.activation.log);
    if activated.activation.status != 0 {
        eprintln!(
            "error: switch-to-configuration {} on {} failed (exit status {})",
            action.as_str(),
            target.name(),
            activated.activation.status
        );
        return Ok(1);
    }
    Ok(0)
}

/// A flake reference for `builtins.getFlake`: a path (`.`, `./x`, `/x`)
/// made absolute, anything else as given.
pub fn flake_ref(reference: &str) -> anyhow::Result<String> {
    let r = if reference.is_empty() { "." } else { reference };
    if r.starts_with('.') || r.starts_with('/') {
        let abs =
            std::fs::canonicalize(r).with_context(|| format!("cannot find the flake '{r}'"))?;
        Ok(abs.display().to_string())
    } else {
        Ok(r.to_string())
    }
}

/// `s` as a Nix string literal.
pub fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn pairs(v: &[String]) -> Vec<(String, String)> {
    v.chunks(2)
        .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
        .collect()
}

fn run_inner(args: RebuildArgs, opts: &StoreOpts) -> anyhow::Result<u8> {
    match args.action {
        RebuildAction::Build => {
            let store = opts.open()?;
            if let Some(host) = &args.build_host {
                let (drv, master) = match instantiate_for_build_host(&args, opts, &store, host)? {
                    Ok(x) => x,
                    Err(code) => return Ok(code),
                };
                let (mut client, outputs) = xnix_deploy::build_on(&store, &master, &drv)?;
                xnix_remote::copy::copy_from(&store, &mut client, &outputs, &mut |_| {})?;
                client.close()?;
                for o in &outputs {
                    println!("{}", store.print_path(o));
                }
                return Ok(0);
            }
            let path = match build_system(&args, opts, &store, true)? {
                Ok(p) => p,
                Err(code) => return Ok(code),
            };
            println!("{}", store.print_path(&path));
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
    let store = opts.open()?;
    if let Some(host) = &args.build_host {
        return deploy_from_build_host(&args, opts, &store, host, &target, action);
    }
    let system = match build_system(&args, opts, &store, false)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
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
    let opts = opts.clone();
    Ok(ExitCode::from(with_big_stack(move || {
        run_inner(args, &opts)
    })?))
}
