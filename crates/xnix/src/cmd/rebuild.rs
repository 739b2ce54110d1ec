//! `xnix rebuild ACTION`: build a system configuration and make it a
//! machine's system, as `nixos-rebuild`. Evaluating and building are
//! `xnix_app`'s (a session over the file or expression); generations,
//! activation and rollback are `xnix_deploy`'s.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use xnix_app::installable::Installable;
use xnix_app::{with_big_stack, Session};
use xnix_deploy::{rollback, state_dir_for, Action, DeployEvent, Target};
use xnix_remote::copy::CopyOptions;
use xnix_remote::ssh::{ssh_opts_from_env, SshMaster, SshUrl, CONNECT_TIMEOUT};
use xnix_remote::sudo::{ask_password, RemoteSudo};

use super::progress::Progress;
use super::{StoreOpts, SystemSource};

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
  xnix rebuild switch -f ./board.nix --target-host root@board --use-substitutes
  xnix rebuild switch -f ./board.nix --target-host me@board --use-remote-sudo --ask-sudo-password

FILE (or -E EXPR, with -A ATTR) must evaluate to a system configuration (what
lib.nixosSystem returns), as must --flake FLAKE#NAME's nixosConfigurations.NAME;
its config.system.build.toplevel is built here.
With --target-host the closure is copied over ssh (only what the target
lacks; extra ssh options in XNIX_SSHOPTS), then the target's switch-to-
configuration runs detached there: a dropped connection does not stop it.
switch and boot add a generation /xnix/var/xnix/profiles/system-N-link on the
target and point profiles/system at it by an atomic rename; --rollback goes
back to the generation before the current one.
--use-substitutes lets the receiving machine fetch what it can from its own
binary caches (its substituters setting) before anything is copied to it.
--use-remote-sudo logs in as the given user and runs the store's server and
the activation through sudo there; --ask-sudo-password asks for its password
once, here, and hands it to sudo for each step.";

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
    /// Where the system configuration is.
    #[command(flatten)]
    pub source: SystemSource,
    /// An expression yielding the system configuration.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        conflicts_with_all = ["file", "flake"]
    )]
    pub expr: Option<String>,
    /// The machine to deploy to ([USER@]HOST, or ssh://...); default: this machine.
    #[arg(long, value_name = "[USER@]HOST")]
    pub target_host: Option<String>,
    /// Build on this machine ([USER@]HOST) instead of here; the result goes
    /// from there straight to the target.
    #[arg(long, value_name = "HOST")]
    pub build_host: Option<String>,
    /// The receiving machine (target or build host) first fetches what it
    /// can from its own binary caches (its substituters); only the rest is copied.
    #[arg(short = 's', long)]
    pub use_substitutes: bool,
    /// Go back to the generation before the current one (switch, boot, test).
    #[arg(long)]
    pub rollback: bool,
    /// Log in as yourself and become root on the target through sudo (for
    /// activation and for adding paths to its store).
    #[arg(long)]
    pub use_remote_sudo: bool,
    /// Ask once for the target's sudo password (on the terminal; without
    /// one, the first line of standard input) and give it to sudo for every
    /// step. Implies --use-remote-sudo.
    #[arg(long)]
    pub ask_sudo_password: bool,
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

/// How to become root on the target: sudo (with the password asked once) or not.
fn remote_sudo(args: &RebuildArgs) -> anyhow::Result<Option<RemoteSudo>> {
    if args.ask_sudo_password {
        let who = args.target_host.as_deref().unwrap_or("this machine");
        let password = ask_password(&format!("[sudo] password on {who}: "))
            .context("reading the sudo password (--ask-sudo-password)")?;
        return Ok(Some(RemoteSudo::with_password(password)));
    }
    Ok(args.use_remote_sudo.then(RemoteSudo::without_password))
}

fn open_target(
    args: &RebuildArgs,
    opts: &StoreOpts,
    sudo: Option<RemoteSudo>,
) -> anyhow::Result<Target> {
    let sd = xnix_formats::StoreDir::new(opts.store_dir().to_string())?;
    let state = state_dir_for(&sd);
    Ok(match &args.target_host {
        Some(host) => {
            let url = target_url(host)?;
            let master = SshMaster::connect(&url, &ssh_opts_from_env(), CONNECT_TIMEOUT)?
                .with_sudo(sudo.clone());
            master.check_sudo()?;
            Target::ssh(master, state)
        }
        None => Target::local(state),
    }
    .with_sudo(sudo))
}

/// The installable and attribute path of the system's toplevel.
fn system_selection(args: &RebuildArgs) -> anyhow::Result<(Installable, String)> {
    let source = &args.source;
    if let Some(flake) = &source.flake {
        let Some((reference, name)) = flake.split_once('#').filter(|(_, n)| !n.is_empty()) else {
            bail!("--flake {flake}: name the configuration, as in --flake .#board (nixosConfigurations.board)");
        };
        let expr = format!(
            "(builtins.getFlake {}).nixosConfigurations.{}",
            xnix_app::flake::nix_string(&xnix_app::flake::flake_ref(reference)?),
            xnix_app::flake::nix_string(name)
        );
        return Ok((
            Installable::Exprs(vec![expr]),
            "config.system.build.toplevel".into(),
        ));
    }
    let installable = match (&source.file, &args.expr) {
        (Some(f), None) => Installable::Files(vec![f.display().to_string()]),
        (None, Some(e)) => Installable::Exprs(vec![e.clone()]),
        _ => bail!("say which system to build: -f FILE [-A ATTR], -E EXPR or --flake FLAKE#NAME"),
    };
    let attr = match &source.attr {
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
    let request = args.source.request(installable, vec![attr]);
    Ok(super::build_selected(store, opts, request, link)?.map(|mut v| v.remove(0)))
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
    let request = args.source.request(installable, vec![attr]);
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
    let copy = copy_options(args);
    let (mut build_client, outputs) = xnix_deploy::build_on(store, &master, &drv, &copy)?;
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
            xnix_remote::copy::copy_between(
                &mut build_client,
                &mut to,
                &outputs,
                &copy,
                &mut |_| {},
            )?;
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

fn run_inner(args: RebuildArgs, opts: &StoreOpts) -> anyhow::Result<u8> {
    match args.action {
        RebuildAction::Build => {
            let store = opts.open()?;
            if let Some(host) = &args.build_host {
                let (drv, master) = match instantiate_for_build_host(&args, opts, &store, host)? {
                    Ok(x) => x,
                    Err(code) => return Ok(code),
                };
                let (mut client, outputs) =
                    xnix_deploy::build_on(&store, &master, &drv, &copy_options(&args))?;
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
            let target = open_target(&args, opts, remote_sudo(&args)?)?;
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
    let target = open_target(&args, opts, remote_sudo(&args)?)?;
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
    let copy = copy_options(&args);
    let outcome =
        xnix_deploy::deploy(
            &store,
            &target,
            &system,
            action,
            None,
            &copy,
            &mut |e| match e {
                DeployEvent::Copying => eprintln!("copying the system to {}...", target.name()),
                DeployEvent::Copied(n, present) => {
                    eprintln!("copied {n} paths ({present} already there)")
                }
                DeployEvent::Activating => eprintln!("activating ({})...", action.as_str()),
                _ => {}
            },
        )?;
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

fn copy_options(args: &RebuildArgs) -> CopyOptions {
    CopyOptions {
        use_substitutes: args.use_substitutes,
    }
}

/// Run `xnix rebuild`.
pub fn run(args: RebuildArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    let opts = opts.clone();
    Ok(ExitCode::from(with_big_stack(move || {
        run_inner(args, &opts)
    })?))
}
