//! Deploying system configurations: generations on a target machine, atomic
//! switching, activation that survives a dropped connection, rollback, and
//! magic rollback (a target that is not confirmed in time goes back by itself).
//!
//! The target side is a POSIX sh script, the agent (`agent.sh`), sent over
//! the connection and run with the target's state directory; the system's
//! own `bin/switch-to-configuration` does the activation and adds the
//! generation. This crate drives it:
//!
//! - [`Target`]: a machine (this one, or one reached through an
//!   [`SshMaster`]) and its state directory; list generations, start an
//!   activation detached, wait for it, confirm or refuse it.
//! - [`deploy`]: copy a system's closure (when remote), activate, and with
//!   [`MagicRollback`] confirm over a new connection after the health checks.
//!
//! Architecture Invariant: the profile `system` changes only by a rename of a
//! new symlink over it, and activation runs in its own session on the target,
//! so a deployer killed at any moment leaves the target at the old or the new
//! generation, never in between; with magic rollback, a target that no one
//! confirms returns to the old one by itself.
#![deny(missing_docs)]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use thiserror::Error;
use xnix_formats::{Hash, HashAlgo, StoreDir, StorePath};
use xnix_remote::copy::CopyOptions;
use xnix_remote::ssh::{shell_quote, SshMaster};
use xnix_remote::sudo::RemoteSudo;
use xnix_store::LocalStore;

/// The target-side script.
pub const AGENT: &str = include_str!("agent.sh");

pub mod fleet;

/// An error deploying.
#[derive(Debug, Error)]
pub enum DeployError {
    /// Reaching or copying to the target failed.
    #[error(transparent)]
    Remote(#[from] xnix_remote::RemoteError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] xnix_store::LocalStoreError),
    /// Running a local program failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The target said no.
    #[error("{target}: {message}")]
    Target {
        /// Which target.
        target: String,
        /// What it said.
        message: String,
    },
}

/// Result of deployment operations.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

/// What to do with a system on the target (as `switch-to-configuration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Make it the default and activate it now.
    Switch,
    /// Make it the default only.
    Boot,
    /// Activate it now without making it the default.
    Test,
    /// Print what activating it would change.
    DryActivate,
}

impl Action {
    /// The word switch-to-configuration takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Switch => "switch",
            Action::Boot => "boot",
            Action::Test => "test",
            Action::DryActivate => "dry-activate",
        }
    }
}

/// The state directory that goes with a store directory: `/xnix/store` has
/// `/xnix/var/xnix`.
pub fn state_dir_for(store_dir: &StoreDir) -> String {
    let parent = std::path::Path::new(store_dir.as_str())
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    format!("{}/var/xnix", parent.trim_end_matches('/'))
}

/// One generation of the system profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Its number (`system-N-link`).
    pub number: u64,
    /// The system it links to.
    pub system: String,
    /// Whether the profile points at it.
    pub current: bool,
}

/// How an activation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// Its id on the target.
    pub id: String,
    /// switch-to-configuration's exit status.
    pub status: i32,
    /// What it printed.
    pub log: String,
}

/// The outcome of confirming an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The new generation stays.
    Confirmed,
    /// The target went back to the previous generation.
    RolledBack,
    /// It was refused, but there is no generation before it (a first
    /// deployment): the new system stays.
    NoPrevious,
}

impl Decision {
    fn parse(answer: &str) -> Option<Decision> {
        match answer {
            "confirmed" => Some(Decision::Confirmed),
            "rolled-back" => Some(Decision::RolledBack),
            "no-previous" => Some(Decision::NoPrevious),
            _ => None,
        }
    }
}

enum Via {
    Local,
    Ssh(SshMaster),
}

/// A machine to deploy to: this one or one over SSH, with its state directory.
pub struct Target {
    via: Via,
    name: String,
    state_dir: String,
    sudo: Option<RemoteSudo>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("name", &self.name).finish()
    }
}

impl Target {
    /// This machine.
    pub fn local(state_dir: impl Into<String>) -> Target {
        Target {
            via: Via::Local,
            name: "localhost".into(),
            state_dir: state_dir.into(),
            sudo: None,
        }
    }

    /// A machine reached through `master`.
    pub fn ssh(master: SshMaster, state_dir: impl Into<String>) -> Target {
        Target {
            name: master.url().display(),
            via: Via::Ssh(master),
            state_dir: state_dir.into(),
            sudo: None,
        }
    }

    /// Run the agent and the store's server as root through the target's
    /// `sudo` (a target user other than root).
    pub fn with_sudo(mut self, sudo: Option<RemoteSudo>) -> Target {
        if let Via::Ssh(m) = self.via {
            self.via = Via::Ssh(m.with_sudo(sudo.clone()));
        }
        self.sudo = sudo;
        self
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SSH connection, if remote.
    pub fn master(&self) -> Option<&SshMaster> {
        match &self.via {
            Via::Ssh(m) => Some(m),
            Via::Local => None,
        }
    }

    fn err(&self, message: impl Into<String>) -> DeployError {
        DeployError::Target {
            target: self.name.clone(),
            message: message.into(),
        }
    }

    /// Run the agent with `args`: the script is written (under a name made
    /// from its hash, so concurrent deployers of other versions do not
    /// collide) to the target's `deploy/` directory from our stdin, unless
    /// it is there already, then run, in one command.
    fn agent(&self, args: &[&str]) -> Result<Output> {
        let hash = Hash::digest(HashAlgo::Sha256, AGENT).to_base32();
        let dir = format!("{}/deploy", self.state_dir);
        let script = format!("{dir}/agent-{}.sh", &hash[..12]);
        let mut line = format!(
            "sh -c 'd=$1; s=$2; shift 2; if [ -f \"$s\" ]; then cat >/dev/null; else mkdir -p \"$d\" && cat > \"$s.tmp\" && mv \"$s.tmp\" \"$s\"; fi && exec sh \"$s\" \"$@\"' agent {} {} {}",
            shell_quote(&dir),
            shell_quote(&script),
            shell_quote(&self.state_dir)
        );
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        let (mut cmd, preamble) = match (&self.via, &self.sudo) {
            (Via::Ssh(m), _) => m.root_command(&line),
            (Via::Local, Some(sudo)) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(sudo.wrap(&line));
                (c, sudo.preamble())
            }
            (Via::Local, None) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(&line);
                (c, Vec::new())
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| DeployError::Io {
                what: format!("running the deployment agent on {}", self.name),
                source,
            })?;
        let mut stdin = child.stdin.take().expect("piped");
        let written = stdin
            .write_all(&preamble)
            .and_then(|_| stdin.write_all(AGENT.as_bytes()));
        drop(stdin);
        let out = child.wait_with_output().map_err(|source| DeployError::Io {
            what: format!("running the deployment agent on {}", self.name),
            source,
        })?;
        written.map_err(|source| DeployError::Io {
            what: format!("sending the deployment agent to {}", self.name),
            source,
        })?;
        Ok(out)
    }

    fn agent_ok(&self, args: &[&str]) -> Result<String> {
        let out = self.agent(args)?;
        if !out.status.success() {
            return Err(self.err(format!(
                "{} failed: {}",
                args.first().copied().unwrap_or("agent"),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The generations of the system profile, oldest first.
    pub fn generations(&self) -> Result<Vec<Generation>> {
        let out = self.agent_ok(&["list"])?;
        let mut gens = Vec::new();
        for line in out.lines() {
            let mut f = line.split_whitespace();
            let (Some(n), Some(system)) = (f.next(), f.next()) else {
                continue;
            };
            let number = n
                .parse()
                .map_err(|_| self.err(format!("the agent printed '{line}'")))?;
            gens.push(Generation {
                number,
                system: system.to_string(),
                current: f.next() == Some("current"),
            });
        }
        Ok(gens)
    }

    /// Start activating `system` with `action`, detached on the target.
    /// `set_generation` first points the profile at that generation (for
    /// rollbacks); `confirm_within` makes the target wait that long for
    /// [`Target::decide`] and otherwise go back by itself.
    pub fn start(
        &self,
        action: Action,
        system: &str,
        confirm_within: Option<Duration>,
        set_generation: Option<u64>,
    ) -> Result<String> {
        let (id, args) = activation_args("start", action, system, confirm_within, set_generation);
        self.agent_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok(id)
    }

    /// [`Target::start`] then [`Target::wait`], in one command on the target.
    pub fn start_and_wait(
        &self,
        action: Action,
        system: &str,
        confirm_within: Option<Duration>,
        set_generation: Option<u64>,
    ) -> Result<Activation> {
        let (id, args) =
            activation_args("activate", action, system, confirm_within, set_generation);
        let out = self.agent(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some((log, status)) = stdout.rsplit_once("\nxnix-activation-status ") else {
            if out.status.code() == Some(255) && self.master().is_some() {
                return Err(self.err(format!(
                    "the connection broke during activation {id}; it goes on there"
                )));
            }
            return Err(self.err(format!(
                "starting the activation failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        };
        let mut log = log.to_string();
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(Activation {
            id,
            status: status.trim().parse().unwrap_or(-1),
            log,
        })
    }

    /// Wait for activation `id` to finish (it goes on if this connection
    /// drops; waiting again picks it up).
    pub fn wait(&self, id: &str) -> Result<Activation> {
        let out = self.agent(&["wait", id])?;
        let status = out.status.code().unwrap_or(-1);
        if status == 255 && self.master().is_some() {
            return Err(self.err(format!(
                "the connection broke while waiting for activation {id}; it goes on there (run again to see it end)"
            )));
        }
        let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(Activation {
            id: id.to_string(),
            status,
            log,
        })
    }

    /// Confirm (`keep`) or refuse an activation started with a confirmation
    /// timeout; says what happened (the target may have gone back already).
    pub fn decide(&self, id: &str, keep: bool, action: Action) -> Result<Decision> {
        let out = self.agent_ok(&[
            "decide",
            id,
            if keep { "yes" } else { "no" },
            action.as_str(),
        ])?;
        Decision::parse(out.trim()).ok_or_else(|| {
            self.err(format!(
                "unexpected answer to a confirmation: '{}'",
                out.trim()
            ))
        })
    }

    /// Wait until activation `id` is decided (confirmed, refused, or gone
    /// back by itself at its timeout) and say which.
    pub fn outcome(&self, id: &str) -> Result<Decision> {
        let out = self.agent_ok(&["outcome", id])?;
        Decision::parse(out.trim())
            .ok_or_else(|| self.err(format!("unexpected outcome: '{}'", out.trim())))
    }

    /// Whether `action` on `system` would change nothing: the target's
    /// profile (switch, boot) and active system (switch, test) are `system`
    /// already, made so by a kept activation of this agent.
    pub fn is_unchanged(&self, action: Action, system: &str) -> Result<bool> {
        let out = self.agent_ok(&["unchanged", action.as_str(), system])?;
        match out.trim() {
            "unchanged" => Ok(true),
            "changed" => Ok(false),
            other => Err(self.err(format!("the agent printed '{other}'"))),
        }
    }

    /// The generation before the current one.
    pub fn previous_generation(&self) -> Result<Option<Generation>> {
        let out = self.agent_ok(&["previous"])?;
        let line = out.trim();
        if line.is_empty() {
            return Ok(None);
        }
        let (n, system) = line
            .split_once(' ')
            .ok_or_else(|| self.err(format!("the agent printed '{line}'")))?;
        Ok(Some(Generation {
            number: n
                .parse()
                .map_err(|_| self.err(format!("the agent printed '{line}'")))?,
            system: system.to_string(),
            current: false,
        }))
    }

    /// Run `command` on the target (health checks); its success and output.
    pub fn run_check(&self, command: &str) -> Result<(bool, String)> {
        let out = match &self.via {
            Via::Local => Command::new("sh").arg("-c").arg(command).output(),
            Via::Ssh(m) => m.command(command).stdin(Stdio::null()).output(),
        }
        .map_err(|source| DeployError::Io {
            what: format!("running '{command}' on {}", self.name),
            source,
        })?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok((out.status.success(), text))
    }
}

/// The agent's `command ID ACTION SYSTEM TIMEOUT SETGEN` for a new
/// activation, and its id.
fn activation_args(
    command: &str,
    action: Action,
    system: &str,
    confirm_within: Option<Duration>,
    set_generation: Option<u64>,
) -> (String, Vec<String>) {
    let id = activation_id();
    let timeout = confirm_within.map(|d| d.as_secs().max(1)).unwrap_or(0);
    let setgen = set_generation
        .map(|n| n.to_string())
        .unwrap_or_else(|| "-".into());
    let args = vec![
        command.to_string(),
        id.clone(),
        action.as_str().to_string(),
        system.to_string(),
        timeout.to_string(),
        setgen,
    ];
    (id, args)
}

/// A new activation's id: the time and this process, plus a counter for
/// several activations of one process in the same millisecond.
fn activation_id() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Magic rollback: after activation, confirm over a new connection.
pub struct MagicRollback<'a> {
    /// How long the target waits for the confirmation.
    pub timeout: Duration,
    /// Opens a new connection to the target (the confirmation must prove
    /// that the new system still lets the deployer in).
    pub reconnect: &'a (dyn Fn() -> Result<Target> + Sync),
    /// Commands that must succeed on the target before confirming.
    pub health_checks: &'a [String],
}

/// What happened to one deployment, step by step (for progress displays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    /// Copying the closure.
    Copying,
    /// The closure is there: paths copied, paths that were present.
    Copied(usize, usize),
    /// Activation started.
    Activating,
    /// Activation finished with this status.
    Activated(i32),
    /// Confirming over a new connection.
    Confirming,
}

/// A system activated on a target, not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    /// The activation.
    pub activation: Activation,
    /// The action it ran.
    pub action: Action,
    /// Whether the target waits for a confirmation.
    pub awaits_confirmation: bool,
}

/// The outcome of [`deploy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOutcome {
    /// The activation.
    pub activation: Activation,
    /// With magic rollback: whether the new generation stayed.
    pub decision: Option<Decision>,
    /// Why it was refused, if it was.
    pub refusal: Option<String>,
}

impl DeployOutcome {
    /// Whether the target now runs the new system.
    pub fn succeeded(&self) -> bool {
        self.activation.status == 0 && matches!(self.decision, None | Some(Decision::Confirmed))
    }
}

/// Copy `system`'s closure to `target` (when remote) and activate it with
/// `action`, detached; with `confirm_within`, the target then waits that
/// long for [`confirm`] and otherwise goes back by itself.
pub fn copy_and_activate(
    store: &LocalStore,
    target: &Target,
    system: &StorePath,
    action: Action,
    confirm_within: Option<Duration>,
    copy: &CopyOptions,
    events: &mut dyn FnMut(DeployEvent),
) -> Result<Activated> {
    if let Some(master) = target.master() {
        events(DeployEvent::Copying);
        let mut client = master.serve_client(store.store_dir())?;
        let report = xnix_remote::copy::copy_to(
            store,
            &mut client,
            &[system.clone()].into(),
            copy,
            &mut |_| {},
        )?;
        client.close()?;
        events(DeployEvent::Copied(
            report.copied.len(),
            report.present.len(),
        ));
    }
    activate(
        target,
        &store.print_path(system),
        action,
        confirm_within,
        events,
    )
}

/// Activate `system` (a full store path, valid on the target) with
/// `action`, detached; with `confirm_within`, the target then waits that
/// long for [`confirm`] and otherwise goes back by itself.
pub fn activate(
    target: &Target,
    system: &str,
    action: Action,
    confirm_within: Option<Duration>,
    events: &mut dyn FnMut(DeployEvent),
) -> Result<Activated> {
    events(DeployEvent::Activating);
    let confirm_within = confirm_within.filter(|_| action != Action::DryActivate);
    let activation = target.start_and_wait(action, system, confirm_within, None)?;
    events(DeployEvent::Activated(activation.status));
    Ok(Activated {
        activation,
        action,
        awaits_confirmation: confirm_within.is_some(),
    })
}

/// Build `drv_path` (valid here) on another machine: its `.drv` closure is
/// copied there and built with the serve protocol's build command. Returns
/// the session with that machine and the outputs, valid there.
pub fn build_on(
    store: &LocalStore,
    build_host: &SshMaster,
    drv_path: &StorePath,
    copy: &CopyOptions,
) -> Result<(
    xnix_remote::ServeClient,
    std::collections::BTreeSet<StorePath>,
)> {
    let mut client = build_host.serve_client(store.store_dir())?;
    xnix_remote::copy::copy_to(
        store,
        &mut client,
        &[drv_path.clone()].into(),
        copy,
        &mut |_| {},
    )?;
    let drv = store.read_derivation(drv_path)?;
    let names: Vec<&str> = drv.outputs.keys().map(String::as_str).collect();
    let entry = format!("{}!{}", store.print_path(drv_path), names.join(","));
    if let Some(msg) = client.build_paths(&[entry], &Default::default())? {
        return Err(DeployError::Target {
            target: build_host.url().display(),
            message: format!("building failed: {msg}"),
        });
    }
    let outputs = store
        .query_derivation_outputs(drv_path)?
        .into_values()
        .collect();
    Ok((client, outputs))
}

/// What checking an activation over a new connection found.
#[derive(Debug)]
pub enum Verified {
    /// A new connection works and every health check passed over it.
    Ready(Target),
    /// It must not stay: why, and the new connection if there is one.
    Refused(Option<Target>, String),
    /// No new connection could be made: only the target's own timeout decides.
    Unreachable(String),
}

/// Run `checks` on `target` one by one; the first that fails, and why.
pub fn run_health_checks(target: &Target, checks: &[String]) -> std::result::Result<(), String> {
    for check in checks {
        match target.run_check(check) {
            Ok((true, _)) => {}
            Ok((false, out)) => {
                return Err(format!("the health check '{check}' failed: {}", out.trim()))
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Check an activation that awaits confirmation: it succeeded, a new
/// connection (`magic.reconnect`) works, and every health check passes
/// over that connection.
pub fn verify(activated: &Activated, magic: &MagicRollback<'_>) -> Verified {
    if activated.activation.status != 0 {
        return Verified::Refused(None, "activation failed".into());
    }
    // The confirmation must come over a new connection: the old one may
    // survive a configuration that locks everyone else out.
    let fresh = match (magic.reconnect)() {
        Ok(t) => t,
        Err(e) => return Verified::Unreachable(format!("the confirmation connection failed: {e}")),
    };
    match run_health_checks(&fresh, magic.health_checks) {
        Ok(()) => Verified::Ready(fresh),
        Err(why) => Verified::Refused(Some(fresh), why),
    }
}

/// Decide an activation after [`verify`]: confirm it when it is ready and
/// `keep`; refuse it otherwise (the target goes back now); when it is
/// unreachable, wait through the old connection for the target to go back
/// by itself at its timeout. Says what happened and why.
pub fn settle(
    target: &Target,
    activated: &Activated,
    verified: Verified,
    keep: bool,
) -> Result<(Decision, Option<String>)> {
    let id = &activated.activation.id;
    let action = activated.action;
    match verified {
        Verified::Ready(fresh) if keep => {
            let d = fresh.decide(id, true, action)?;
            Ok((
                d,
                (d != Decision::Confirmed).then(|| "the confirmation came too late".to_string()),
            ))
        }
        Verified::Ready(fresh) => {
            let d = fresh.decide(id, false, action)?;
            Ok((d, Some("another machine failed (all or nothing)".into())))
        }
        Verified::Refused(fresh, why) => {
            let d = fresh.as_ref().unwrap_or(target).decide(id, false, action)?;
            Ok((d, Some(why)))
        }
        Verified::Unreachable(why) => Ok((target.outcome(id)?, Some(why))),
    }
}

/// [`verify`] then [`settle`].
pub fn confirm(
    target: &Target,
    activated: &Activated,
    magic: &MagicRollback<'_>,
    keep: bool,
) -> Result<(Decision, Option<String>)> {
    settle(target, activated, verify(activated, magic), keep)
}

/// Deploy `system` (valid in `store`) to `target`: [`copy_and_activate`],
/// then with `magic` [`confirm`].
pub fn deploy(
    store: &LocalStore,
    target: &Target,
    system: &StorePath,
    action: Action,
    magic: Option<&MagicRollback<'_>>,
    copy: &CopyOptions,
    events: &mut dyn FnMut(DeployEvent),
) -> Result<DeployOutcome> {
    let activated = copy_and_activate(
        store,
        target,
        system,
        action,
        magic.map(|m| m.timeout),
        copy,
        events,
    )?;
    let (decision, refusal) = match magic {
        Some(m) if activated.awaits_confirmation => {
            events(DeployEvent::Confirming);
            let (d, r) = confirm(target, &activated, m, true)?;
            (Some(d), r)
        }
        _ => (None, None),
    };
    Ok(DeployOutcome {
        activation: activated.activation,
        decision,
        refusal,
    })
}

/// Roll `target` back to the generation before the current one with
/// `action` (switch: profile and activation; boot: profile only; test:
/// activation only). Returns the generation now current.
pub fn rollback(target: &Target, action: Action) -> Result<(Generation, Activation)> {
    let prev = target
        .previous_generation()?
        .ok_or_else(|| target.err("there is no generation before the current one"))?;
    let set = matches!(action, Action::Switch | Action::Boot).then_some(prev.number);
    let run_action = if action == Action::Boot {
        // The profile moves; nothing is activated.
        Action::Boot
    } else {
        action
    };
    let activation = target.start_and_wait(run_action, &prev.system, None, set)?;
    Ok((prev, activation))
}
