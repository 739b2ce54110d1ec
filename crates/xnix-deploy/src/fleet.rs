//! Deploying to many machines at once (`xnix deploy`): each machine is
//! connected to at once, and its closure copied and activated as soon as
//! its own system is built (the caller builds meanwhile; [`deploy_fleet`]'s
//! `ready` waits for one machine's system), in parallel (at most `jobs` at a
//! time), then confirmed over a new connection (magic rollback). A machine
//! that fails (activation or a health check) goes back to its previous
//! generation while the others keep the new one, with or without magic
//! rollback; with `all_or_nothing`, confirmations wait until every machine
//! is activated, and all go back if one failed. A machine that runs its
//! new system already (the agent's `unchanged`) is only health-checked:
//! its system need not be built here, copied or activated.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use xnix_formats::StorePath;
use xnix_remote::copy::CopyOptions;
use xnix_remote::ssh::{SshMaster, SshUrl, CONNECT_TIMEOUT};
use xnix_store::LocalStore;

use crate::{
    activate, build_on, copy_and_activate, run_health_checks, settle, verify, Action, Activated,
    Decision, DeployEvent, MagicRollback, Target, Verified,
};

/// One machine to deploy.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its name (the configuration's).
    pub name: String,
    /// How to reach it.
    pub url: SshUrl,
    /// The system to make its own.
    pub system: StorePath,
    /// Its state directory (`/xnix/var/xnix`).
    pub state_dir: String,
    /// Build it there from this derivation (`deployment.buildOnTarget`)
    /// instead of copying the system built here.
    pub build_on_target: Option<StorePath>,
    /// Wait for confirmation after activation (and go back without one).
    pub magic_rollback: bool,
    /// How long it waits.
    pub confirm_timeout: Duration,
    /// Commands that must succeed there before confirming.
    pub health_checks: Vec<String>,
}

/// How to deploy a fleet.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// What to do with each system.
    pub action: Action,
    /// Machines handled at once.
    pub jobs: usize,
    /// Keep the new systems only if every machine succeeds.
    pub all_or_nothing: bool,
    /// Extra ssh options.
    pub ssh_opts: Vec<String>,
    /// How closures are copied.
    pub copy: CopyOptions,
    /// Activate also a machine that already runs its new system (otherwise
    /// it is left as it is, only its health checks run).
    pub reactivate: bool,
}

/// How one machine ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeResult {
    /// It runs the new system.
    Deployed {
        /// Paths copied to it.
        copied: usize,
    },
    /// It ran the new system already (activated and kept before): nothing
    /// was copied or activated, its health checks passed.
    Unchanged,
    /// It went back to its previous generation.
    RolledBack {
        /// Why.
        reason: String,
    },
    /// Nothing changed on it (it could not be reached, the copy failed) or
    /// its state is unknown (said in the reason).
    Failed {
        /// Why.
        reason: String,
    },
}

impl NodeResult {
    /// Whether the machine runs the new system.
    pub fn succeeded(&self) -> bool {
        matches!(self, NodeResult::Deployed { .. } | NodeResult::Unchanged)
    }
}

/// One machine's report.
#[derive(Debug, Clone)]
pub struct NodeReport {
    /// The machine's name.
    pub name: String,
    /// How it ended.
    pub result: NodeResult,
    /// How long it took.
    pub elapsed: Duration,
}

/// Progress of one machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetEvent {
    /// Connecting.
    Connecting,
    /// Connected; waiting for its system to be built here.
    WaitingForBuild,
    /// Building the system on the machine itself.
    Building,
    /// A step of the deployment.
    Step(DeployEvent),
    /// Activated; waiting for the other machines (all or nothing).
    WaitingForOthers,
    /// Finished.
    Done(NodeResult),
}

struct Phase1 {
    target: Target,
    activated: Activated,
    copied: usize,
}

/// How the first phase (connect, copy, activate) ended.
enum Started {
    /// Activated; to be confirmed or checked.
    Activated(Box<Phase1>),
    /// Nothing more to do: unchanged, or failed.
    Ended(NodeResult),
}

fn reconnect(node: &Node, opts: &FleetOptions) -> crate::Result<Target> {
    let timeout = node
        .confirm_timeout
        .min(CONNECT_TIMEOUT)
        .max(Duration::from_secs(1));
    let master = SshMaster::connect(&node.url, &opts.ssh_opts, timeout)?;
    Ok(Target::ssh(master, node.state_dir.clone()))
}

/// Waits until a machine's system (or, built there, its derivation) is in
/// the local store; `Err(why)` when it will not be (its build failed).
pub type Ready<'a> = dyn Fn(&Node) -> Result<(), String> + Sync + 'a;

fn phase1(
    store: &LocalStore,
    node: &Node,
    opts: &FleetOptions,
    awaits: bool,
    ready: &Ready<'_>,
    events: &(dyn Fn(&str, FleetEvent) + Sync),
) -> Started {
    match phase1_inner(store, node, opts, awaits, ready, events) {
        Ok(started) => started,
        Err(result) => Started::Ended(result),
    }
}

fn phase1_inner(
    store: &LocalStore,
    node: &Node,
    opts: &FleetOptions,
    awaits: bool,
    ready: &Ready<'_>,
    events: &(dyn Fn(&str, FleetEvent) + Sync),
) -> Result<Started, NodeResult> {
    events(&node.name, FleetEvent::Connecting);
    let master = SshMaster::connect(&node.url, &opts.ssh_opts, CONNECT_TIMEOUT).map_err(|e| {
        NodeResult::Failed {
            reason: e.to_string(),
        }
    })?;
    let target = Target::ssh(master, node.state_dir.clone());
    // A machine that runs its new system already needs neither the build
    // nor a copy nor an activation: only its health checks.
    if !opts.reactivate && opts.action != Action::DryActivate {
        let system = store.print_path(&node.system);
        if target
            .is_unchanged(opts.action, &system)
            .map_err(|e| NodeResult::Failed {
                reason: e.to_string(),
            })?
        {
            return Ok(Started::Ended(
                match run_health_checks(&target, &node.health_checks) {
                    Ok(()) => NodeResult::Unchanged,
                    Err(why) => NodeResult::Failed {
                        reason: format!(
                            "it runs this system already (nothing to go back to), but {why}"
                        ),
                    },
                },
            ));
        }
    }
    events(&node.name, FleetEvent::WaitingForBuild);
    ready(node).map_err(|reason| NodeResult::Failed { reason })?;
    let mut copied = 0;
    let failed = |e: crate::DeployError| NodeResult::Failed {
        reason: e.to_string(),
    };
    let activated = match &node.build_on_target {
        Some(drv) => {
            events(&node.name, FleetEvent::Building);
            let master = target.master().expect("an SSH target");
            let (client, _) = build_on(store, master, drv, &opts.copy).map_err(failed)?;
            drop(client);
            activate(
                &target,
                &store.print_path(&node.system),
                opts.action,
                awaits.then_some(node.confirm_timeout),
                &mut |e| events(&node.name, FleetEvent::Step(e)),
            )
            .map_err(failed)?
        }
        None => copy_and_activate(
            store,
            &target,
            &node.system,
            opts.action,
            awaits.then_some(node.confirm_timeout),
            &opts.copy,
            &mut |e| {
                if let DeployEvent::Copied(n, _) = e {
                    copied = n;
                }
                events(&node.name, FleetEvent::Step(e))
            },
        )
        .map_err(failed)?,
    };
    Ok(Started::Activated(Box::new(Phase1 {
        target,
        activated,
        copied,
    })))
}

/// What a refused first deployment says: the target kept it.
const NO_PREVIOUS: &str =
    "no previous generation to return to, so the new one stays (as it is, failed)";

/// Without magic rollback: the health checks run over the deployment's own
/// connection, and a machine whose activation or checks failed is sent back
/// to its previous generation at once.
fn without_confirmation(node: &Node, p: &Phase1) -> NodeResult {
    let why = if p.activated.activation.status != 0 {
        format!(
            "activation failed (exit status {})",
            p.activated.activation.status
        )
    } else {
        match run_health_checks(&p.target, &node.health_checks) {
            Ok(()) => return NodeResult::Deployed { copied: p.copied },
            Err(why) => why,
        }
    };
    let id = &p.activated.activation.id;
    match p.target.decide(id, false, p.activated.action) {
        Ok(Decision::RolledBack) => NodeResult::RolledBack { reason: why },
        Ok(Decision::NoPrevious) => NodeResult::Failed {
            reason: format!("{why}; {NO_PREVIOUS}"),
        },
        Ok(Decision::Confirmed) => NodeResult::Failed {
            reason: format!("{why}; it was kept, since it had been confirmed already"),
        },
        Err(e) => NodeResult::Failed {
            reason: format!("{why}; going back to the previous generation failed: {e}"),
        },
    }
}

fn check(node: &Node, opts: &FleetOptions, p: &Phase1) -> Verified {
    let reconnect = || reconnect(node, opts);
    let magic = MagicRollback {
        timeout: node.confirm_timeout,
        reconnect: &reconnect,
        health_checks: &node.health_checks,
    };
    verify(&p.activated, &magic)
}

fn decide(node: &Node, p: &Phase1, verified: Verified, keep: bool) -> NodeResult {
    match settle(&p.target, &p.activated, verified, keep) {
        Ok((Decision::Confirmed, _)) => NodeResult::Deployed { copied: p.copied },
        Ok((Decision::RolledBack, reason)) => NodeResult::RolledBack {
            reason: reason.unwrap_or_else(|| "not confirmed".into()),
        },
        Ok((Decision::NoPrevious, reason)) => NodeResult::Failed {
            reason: format!(
                "{}; {NO_PREVIOUS}",
                reason.unwrap_or_else(|| "not confirmed".into())
            ),
        },
        Err(e) => NodeResult::Failed {
            reason: format!(
                "{e} (without a confirmation the machine goes back by itself within {} s)",
                node.confirm_timeout.as_secs()
            ),
        },
    }
}

fn finish(node: &Node, opts: &FleetOptions, p: &Phase1) -> NodeResult {
    if !p.activated.awaits_confirmation {
        return without_confirmation(node, p);
    }
    decide(node, p, check(node, opts, p), true)
}

/// Deploy every node; reports in the order of `nodes`. Each node is
/// connected to, then waits for `ready` (its system built) before its copy
/// starts, so the caller may still be building others.
pub fn deploy_fleet(
    store: &LocalStore,
    nodes: &[Node],
    opts: &FleetOptions,
    ready: &Ready<'_>,
    events: &(dyn Fn(&str, FleetEvent) + Sync),
) -> Vec<NodeReport> {
    let starts: Vec<Mutex<Option<Instant>>> = nodes.iter().map(|_| Mutex::new(None)).collect();
    let results: Vec<Mutex<Option<NodeResult>>> = nodes.iter().map(|_| Mutex::new(None)).collect();
    let pending: Vec<Mutex<Option<Phase1>>> = nodes.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.max(1).min(nodes.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(node) = nodes.get(i) else { break };
                *starts[i].lock().unwrap() = Some(Instant::now());
                let awaits = node.magic_rollback || opts.all_or_nothing;
                match phase1(store, node, opts, awaits, ready, events) {
                    Started::Ended(r) => {
                        events(&node.name, FleetEvent::Done(r.clone()));
                        *results[i].lock().unwrap() = Some(r);
                    }
                    Started::Activated(p) if opts.all_or_nothing => {
                        events(&node.name, FleetEvent::WaitingForOthers);
                        *pending[i].lock().unwrap() = Some(*p);
                    }
                    Started::Activated(p) => {
                        events(&node.name, FleetEvent::Step(DeployEvent::Confirming));
                        let r = finish(node, opts, &p);
                        events(&node.name, FleetEvent::Done(r.clone()));
                        *results[i].lock().unwrap() = Some(r);
                    }
                }
            });
        }
    });
    if opts.all_or_nothing {
        // Check every activated machine first (new connection, health
        // checks); only if all pass does any keep its new system.
        let checked: Vec<Mutex<Option<Verified>>> =
            nodes.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for (i, node) in nodes.iter().enumerate() {
                let (pending, checked) = (&pending, &checked);
                s.spawn(move || {
                    if let Some(p) = pending[i].lock().unwrap().as_ref() {
                        events(&node.name, FleetEvent::Step(DeployEvent::Confirming));
                        *checked[i].lock().unwrap() = Some(check(node, opts, p));
                    }
                });
            }
        });
        let keep = checked
            .iter()
            .all(|c| matches!(*c.lock().unwrap(), Some(Verified::Ready(_))));
        std::thread::scope(|s| {
            for (i, node) in nodes.iter().enumerate() {
                let (pending, checked, results) = (&pending, &checked, &results);
                s.spawn(move || {
                    let Some(p) = pending[i].lock().unwrap().take() else {
                        return;
                    };
                    let verified = checked[i].lock().unwrap().take().expect("checked above");
                    let r = decide(node, &p, verified, keep);
                    events(&node.name, FleetEvent::Done(r.clone()));
                    *results[i].lock().unwrap() = Some(r);
                });
            }
        });
    }
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| NodeReport {
            name: node.name.clone(),
            result: results[i]
                .lock()
                .unwrap()
                .take()
                .unwrap_or(NodeResult::Failed {
                    reason: "not attempted".into(),
                }),
            elapsed: starts[i]
                .lock()
                .unwrap()
                .map(|t| t.elapsed())
                .unwrap_or_default(),
        })
        .collect()
}
