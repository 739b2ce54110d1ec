//! `xnix deploy`: build the system configurations that set
//! `deployment.targetHost` and deploy them in parallel, with magic rollback,
//! a live line per machine and a summary table. Evaluating and building are
//! `xnix_app`'s; the deployment is `xnix_deploy::fleet`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::Value;
use xnix_app::installable::Installable;
use xnix_app::{with_big_stack, Session};
use xnix_deploy::fleet::{deploy_fleet, FleetEvent, FleetOptions, Node, NodeResult};
use xnix_deploy::{state_dir_for, Action, DeployEvent};
use xnix_remote::ssh::{ssh_opts_from_env, SshUrl};

use super::progress::Progress;
use super::{StoreOpts, SystemSource};

const EXAMPLES: &str = "\
Examples:
  xnix deploy -f ./fleet.nix                       every machine with deployment.targetHost
  xnix deploy -f ./fleet.nix --on board1,@lab -j 4
  xnix deploy -f ./fleet.nix --all-or-nothing --json
  xnix deploy -f ./fleet.nix test                  activate without making it the default
  xnix deploy --flake . --on @boards               a flake's nixosConfigurations

FILE (a function is called with --arg/--argstr) evaluates to an attribute set
of system configurations (what lib.nixosSystem returns), or to one holding
them in nixosConfigurations (as a flake's outputs); -A selects inside it.
Each configuration whose deployment.targetHost is set is built here, its
closure copied over ssh (as deployment.targetUser, port deployment.targetPort,
extra options in XNIX_SSHOPTS) and activated there. With
deployment.magicRollback (the default) the machine then waits
deployment.confirmTimeout seconds for xnix to confirm over a new connection,
after deployment.healthChecks pass; without it, it goes back to its previous
generation by itself, so a configuration that cuts the machine off undoes
itself. A failing machine goes back while the others keep the new system;
with --all-or-nothing all go back; a first deployment has nothing to go
back to and stays (reported as failed). A machine that runs its new system
already (activated and kept by an earlier deployment) is left as it is:
nothing is copied or activated, only its health checks run (--reactivate
activates it again). With --flake, the evaluation cache remembers the
machines and their systems by the flake's content (as xnix build does), so a
deployment of an unchanged flake does not evaluate it again
(--no-eval-cache does). The exit status is 0 only when every machine runs
its new system.";

/// Arguments of `xnix deploy`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct DeployArgs {
    /// What to do on each machine.
    #[arg(value_parser = ["switch", "boot", "test", "dry-activate"], default_value = "switch")]
    pub action: String,
    /// Where the configurations are.
    #[command(flatten)]
    pub source: SystemSource,
    /// Only these machines: names and @tags, comma-separated.
    #[arg(long, value_name = "NAME,@TAG", value_delimiter = ',')]
    pub on: Vec<String>,
    /// Machines deployed at once.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8)]
    pub jobs: usize,
    /// Keep the new systems only if every machine succeeds.
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Activate also the machines that run their new system already.
    #[arg(long)]
    pub reactivate: bool,
    /// Evaluate the flake even when the evaluation cache knows the result.
    #[arg(long)]
    pub no_eval_cache: bool,
}

/// An expression (a function of the --arg set) for the configurations.
fn configurations_expr(args: &DeployArgs) -> anyhow::Result<String> {
    let source = match (&args.source.file, &args.source.flake) {
        (Some(file), None) => {
            let file = std::fs::canonicalize(file)
                .with_context(|| format!("cannot find '{}'", file.display()))?;
            format!(
                "import {}",
                xnix_app::flake::nix_string(&file.display().to_string())
            )
        }
        (None, Some(flake)) => format!(
            "builtins.getFlake {}",
            xnix_app::flake::nix_string(&xnix_app::flake::flake_ref(flake)?)
        ),
        (Some(_), Some(_)) => bail!("give either -f FILE or --flake FLAKE, not both"),
        (None, None) => bail!("say where the configurations are: -f FILE or --flake FLAKE"),
    };
    let select = match &args.source.attr {
        Some(a) => {
            if a.is_empty()
                || !a
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.'".contains(c))
            {
                bail!("-A {a}: an attribute path has letters, digits, '_', '-', ''' and '.' only");
            }
            format!("f.{a}")
        }
        None => "f".into(),
    };
    Ok(format!(
        "{{ ... }}@args: let f0 = {source}; f = if builtins.isFunction f0 then f0 args else f0; s0 = {select}; in if s0 ? nixosConfigurations then s0.nixosConfigurations else s0"
    ))
}

struct Machine {
    name: String,
    deployment: Value,
    /// The system's store path and derivation (once evaluated).
    system: String,
    drv: String,
}

/// The configurations, evaluated once in one session: first every
/// deployment.* (to select the machines), then the systems of the selected
/// ones, from the same value, so no configuration is evaluated twice.
struct Evaluation {
    session: Session,
    configs: xnix_eval::Value,
}

impl Evaluation {
    fn new(session: Session) -> anyhow::Result<Evaluation> {
        let result = session.auto_args().and_then(|auto| {
            let mut root = None;
            session.for_each_root(|v| {
                root = Some(v);
                Ok(())
            })?;
            let root = root.expect("one expression, one root");
            session.evaluator().auto_call(root, &auto)
        });
        match result {
            Ok(configs) => Ok(Evaluation { session, configs }),
            Err(e) => Err(failed(session, e)),
        }
    }

    /// `function` (Nix text) applied to the configurations, as JSON.
    fn json(&self, function: &str) -> Result<String, xnix_eval::EvalError> {
        let ev = self.session.evaluator();
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "/".into());
        let f = ev.eval_expr(function, &cwd)?;
        let v = ev.apply(f, self.configs.clone(), xnix_eval::Pos::NONE)?;
        let mut json = String::new();
        ev.to_json_into(v, xnix_eval::Pos::NONE, true, &mut Vec::new(), &mut json)?;
        Ok(json)
    }
}

fn failed(session: Session, e: xnix_eval::EvalError) -> anyhow::Error {
    let msg = session.format_error(&e);
    session.leak();
    anyhow::anyhow!("evaluating the configurations failed:\n{msg}")
}

/// Every configuration's deployment.* options.
fn evaluate(eval: Evaluation) -> anyhow::Result<(Evaluation, Vec<Machine>)> {
    let json = match eval.json("builtins.mapAttrs (n: c: c.config.deployment)") {
        Ok(j) => j,
        Err(e) => return Err(failed(eval.session, e)),
    };
    let v: BTreeMap<String, Value> =
        serde_json::from_str(&json).context("reading the evaluated configurations")?;
    let machines = v
        .into_iter()
        .map(|(name, deployment)| Machine {
            name,
            deployment,
            system: String::new(),
            drv: String::new(),
        })
        .collect();
    Ok((eval, machines))
}

/// The systems (store path and derivation) of `machines`.
fn evaluate_systems(eval: Evaluation, machines: &mut [Machine]) -> anyhow::Result<Evaluation> {
    let names: Vec<String> = machines
        .iter()
        .map(|m| xnix_app::flake::nix_string(&m.name))
        .collect();
    let function = format!(
        "configs: builtins.listToAttrs (map (n: {{ name = n; value = let t = configs.${{n}}.config.system.build.toplevel; in {{ out = t.outPath; drv = t.drvPath; }}; }}) [ {} ])",
        names.join(" ")
    );
    let json = match eval.json(&function) {
        Ok(j) => j,
        Err(e) => return Err(failed(eval.session, e)),
    };
    let v: BTreeMap<String, Value> =
        serde_json::from_str(&json).context("reading the evaluated systems")?;
    for m in machines.iter_mut() {
        m.system = v[&m.name]["out"].as_str().unwrap_or_default().to_string();
        m.drv = v[&m.name]["drv"].as_str().unwrap_or_default().to_string();
    }
    Ok(eval)
}

fn selected(m: &Machine, on: &[String]) -> bool {
    if m.deployment["targetHost"].is_null() {
        return false;
    }
    if on.is_empty() {
        return true;
    }
    let tags: Vec<&str> = m.deployment["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    on.iter().any(|sel| match sel.strip_prefix('@') {
        Some(tag) => tags.contains(&tag),
        None => sel == &m.name,
    })
}

fn built_on_target(m: &Machine) -> bool {
    m.deployment["buildOnTarget"].as_bool() == Some(true)
}

/// Build the systems of the machines built here (reporting to
/// `progress`); `Err(code)` after a reported failure.
fn build_here(
    opts: &StoreOpts,
    store: &xnix_store::LocalStore,
    machines: &[Machine],
    progress: &Progress,
) -> anyhow::Result<Result<(), u8>> {
    let mut drvs = Vec::new();
    for m in machines.iter().filter(|m| !built_on_target(m)) {
        drvs.push(store.parse_path(&m.drv)?);
    }
    if drvs.is_empty() {
        return Ok(Ok(()));
    }
    let options = opts.settings.build_options()?;
    match xnix_app::realise::realise(store, &drvs, &options, progress) {
        Ok(_) => Ok(Ok(())),
        Err(e) => Ok(Err(super::report_failure(xnix_app::AppError::Build(e))?)),
    }
}

/// Whether the local build has ended (and how), for the machines waiting
/// for their systems.
struct BuildState {
    ended: std::sync::Mutex<Option<bool>>,
}

impl BuildState {
    /// Wait until `node`'s system is valid here; `Err` once the build has
    /// ended without it.
    fn wait_for(&self, store: &xnix_store::LocalStore, node: &Node) -> Result<(), String> {
        if node.build_on_target.is_some() {
            return Ok(());
        }
        loop {
            // Read the flag first: a system registered before the build
            // ended is seen by the check after it.
            let ended = *self.ended.lock().unwrap_or_else(|e| e.into_inner());
            if store.is_valid_path(&node.system).unwrap_or(false) {
                return Ok(());
            }
            match ended {
                Some(true) => return Err("its system is not in the store after the build".into()),
                Some(false) => return Err("its system was not built (see the errors above)".into()),
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn end(&self, ok: bool) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(ok);
    }
}

fn describe(e: &FleetEvent) -> String {
    match e {
        FleetEvent::Connecting => "connecting".into(),
        FleetEvent::WaitingForBuild => "connected; waiting for its system to be built".into(),
        FleetEvent::Building => "building there".into(),
        FleetEvent::Step(DeployEvent::Copying) => "copying the closure".into(),
        FleetEvent::Step(DeployEvent::Copied(n, p)) => {
            format!("copied {n} paths ({p} there already)")
        }
        FleetEvent::Step(DeployEvent::Activating) => "activating".into(),
        FleetEvent::Step(DeployEvent::Activated(0)) => "activated".into(),
        FleetEvent::Step(DeployEvent::Activated(s)) => {
            format!("activation failed (exit status {s})")
        }
        FleetEvent::Step(DeployEvent::Confirming) => "confirming over a new connection".into(),
        FleetEvent::WaitingForOthers => "activated; waiting for the other machines".into(),
        FleetEvent::Done(r) => result_text(r),
    }
}

fn result_text(r: &NodeResult) -> String {
    match r {
        NodeResult::Deployed { .. } => "deployed".into(),
        NodeResult::Unchanged => "unchanged: it runs this system already".into(),
        NodeResult::RolledBack { reason } => format!("rolled back: {reason}"),
        NodeResult::Failed { reason } => format!("failed: {reason}"),
    }
}

/// With --flake: the evaluation cache's key for this deployment (the
/// flake's content, as for every flake evaluation, with the selection and
/// the store directory), or `None` (a file, --no-eval-cache, an unpinned
/// input).
fn cache_key(
    session: &Session,
    args: &DeployArgs,
    store_dir: &str,
) -> Result<Option<String>, xnix_eval::EvalError> {
    let Some(flake) = &args.source.flake else {
        return Ok(None);
    };
    let Ok(reference) = xnix_app::flake::flake_ref(flake) else {
        return Ok(None);
    };
    let mut request = session.request().flake.clone();
    request.no_eval_cache = args.no_eval_cache;
    let purpose = format!(
        "deploy\0{store_dir}\0attr={:?}\0on={:?}",
        args.source.attr, args.on
    );
    xnix_app::flake::cache_key(session.evaluator(), &reference, &request, &purpose)
}

/// The cached machines (name, deployment.*, system, derivation), usable
/// only while every derivation is valid in `store`.
fn cached_machines(text: &str, store: &xnix_store::LocalStore) -> Option<Vec<Machine>> {
    let list: Vec<Value> = serde_json::from_str(text).ok()?;
    let mut machines = Vec::new();
    for m in list {
        let machine = Machine {
            name: m["name"].as_str()?.to_string(),
            deployment: m["deployment"].clone(),
            system: m["system"].as_str()?.to_string(),
            drv: m["drv"].as_str()?.to_string(),
        };
        let drv = store.parse_path(&machine.drv).ok()?;
        if !store.is_valid_path(&drv).ok()? {
            return None;
        }
        machines.push(machine);
    }
    (!machines.is_empty()).then_some(machines)
}

/// The selected machines with their systems: from the evaluation cache
/// (a flake seen before, unchanged), or evaluated, their derivations
/// written to `store`.
fn machines_to_deploy(
    args: &DeployArgs,
    opts: &StoreOpts,
    store: &xnix_store::LocalStore,
) -> anyhow::Result<Vec<Machine>> {
    let request = args.source.request(
        Installable::Exprs(vec![configurations_expr(args)?]),
        Vec::new(),
    );
    let session = Session::new(opts.store_dir(), request)?;
    let key = match cache_key(&session, args, store.store_dir().as_str()) {
        Ok(k) => k,
        Err(e) => return Err(failed(session, e)),
    };
    if let Some(machines) = key
        .as_deref()
        .and_then(xnix_app::flake::cache_get)
        .and_then(|text| cached_machines(&text, store))
    {
        session.leak();
        return Ok(machines);
    }
    let (eval, all) = evaluate(Evaluation::new(session)?)?;
    let mut machines: Vec<Machine> = all.into_iter().filter(|m| selected(m, &args.on)).collect();
    if machines.is_empty() {
        eval.session.leak();
        bail!(
            "no configuration to deploy: none sets deployment.targetHost{}",
            if args.on.is_empty() {
                String::new()
            } else {
                format!(" among --on {}", args.on.join(","))
            }
        );
    }
    let eval = evaluate_systems(eval, &mut machines)?;
    // The derivations evaluated go into the store; the systems are built
    // later, while the machines connect and wait.
    let written = xnix_app::objects::write_to_store(
        eval.session.evaluator(),
        store,
        &Progress::new(store.store_dir().clone(), false),
    );
    eval.session.leak();
    written?;
    if let Some(key) = &key {
        let list: Vec<Value> = machines
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.name, "deployment": m.deployment, "system": m.system, "drv": m.drv,
                })
            })
            .collect();
        xnix_app::flake::cache_put(key, &Value::Array(list).to_string());
    }
    Ok(machines)
}

fn run_inner(args: DeployArgs, opts: &StoreOpts) -> anyhow::Result<u8> {
    let action = match args.action.as_str() {
        "switch" => Action::Switch,
        "boot" => Action::Boot,
        "test" => Action::Test,
        _ => Action::DryActivate,
    };
    let store = opts.open()?;
    let machines = machines_to_deploy(&args, opts, &store)?;
    eprintln!(
        "building {} system{}...",
        machines.len(),
        if machines.len() == 1 { "" } else { "s" }
    );
    let state_dir = state_dir_for(store.store_dir());
    let mut nodes = Vec::new();
    for m in &machines {
        let d = &m.deployment;
        let host = d["targetHost"].as_str().unwrap_or_default();
        let user = d["targetUser"].as_str().unwrap_or("root");
        let mut url = format!("ssh://{user}@{host}");
        if let Some(p) = d["targetPort"].as_u64() {
            url.push_str(&format!(":{p}"));
        }
        let url = SshUrl::parse(&url)
            .with_context(|| format!("{}: deployment.targetHost/targetUser", m.name))?
            .expect("an ssh URL");
        nodes.push(Node {
            name: m.name.clone(),
            url,
            system: store
                .parse_path(&m.system)
                .with_context(|| format!("{}: the system's path", m.name))?,
            state_dir: state_dir.clone(),
            build_on_target: if built_on_target(m) {
                Some(
                    store
                        .parse_path(&m.drv)
                        .with_context(|| format!("{}: the system's derivation", m.name))?,
                )
            } else {
                None
            },
            magic_rollback: d["magicRollback"].as_bool().unwrap_or(true),
            confirm_timeout: Duration::from_secs(d["confirmTimeout"].as_u64().unwrap_or(30)),
            health_checks: d["healthChecks"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let options = FleetOptions {
        action,
        jobs: args.jobs,
        all_or_nothing: args.all_or_nothing,
        ssh_opts: ssh_opts_from_env(),
        copy: Default::default(),
        reactivate: args.reactivate,
    };
    let width = nodes.iter().map(|n| n.name.len()).max().unwrap_or(4);
    let progress = Progress::new(store.store_dir().clone(), false);
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    progress.track(&format!("deploying to {} machines", names.len()), &names);
    let events = |name: &str, e: FleetEvent| {
        progress.item_status(name, &describe(&e), matches!(e, FleetEvent::Done(_)));
    };
    // Each machine connects now and copies as soon as its own system is
    // built, while this thread goes on building the others.
    let build_state = BuildState {
        ended: std::sync::Mutex::new(None),
    };
    let ready = |node: &Node| build_state.wait_for(&store, node);
    let (built, reports) = std::thread::scope(|s| {
        let fleet = s.spawn(|| deploy_fleet(&store, &nodes, &options, &ready, &events));
        let built = build_here(opts, &store, &machines, &progress);
        build_state.end(matches!(built, Ok(Ok(()))));
        let reports = fleet.join().expect("the deployment threads do not panic");
        (built, reports)
    });
    progress.finish();
    let build_code = built?.err();
    let ok = reports.iter().all(|r| r.result.succeeded());
    if args.json {
        let list: Vec<Value> = reports
            .iter()
            .zip(&nodes)
            .map(|(r, n)| {
                let (status, reason) = match &r.result {
                    NodeResult::Deployed { .. } => ("deployed", String::new()),
                    NodeResult::Unchanged => ("unchanged", String::new()),
                    NodeResult::RolledBack { reason } => ("rolled-back", reason.clone()),
                    NodeResult::Failed { reason } => ("failed", reason.clone()),
                };
                serde_json::json!({
                    "name": r.name, "host": n.url.display(), "system": store.print_path(&n.system),
                    "status": status, "reason": reason, "seconds": r.elapsed.as_secs_f64(),
                })
            })
            .collect();
        writeln!(std::io::stdout().lock(), "{}", Value::Array(list))?;
    }
    eprintln!();
    eprintln!(
        "{:width$}  {:<12}  {:>7}  DETAIL",
        "MACHINE", "RESULT", "TIME"
    );
    for (r, n) in reports.iter().zip(&nodes) {
        let (status, detail) = match &r.result {
            NodeResult::Deployed { copied } => (
                "deployed",
                format!("{} ({copied} paths copied)", n.url.display()),
            ),
            NodeResult::Unchanged => (
                "unchanged",
                format!("{} (it runs this system already)", n.url.display()),
            ),
            NodeResult::RolledBack { reason } => ("rolled back", reason.clone()),
            NodeResult::Failed { reason } => ("failed", reason.clone()),
        };
        eprintln!(
            "{:width$}  {status:<12}  {:>6.1}s  {detail}",
            r.name,
            r.elapsed.as_secs_f64()
        );
    }
    let good = reports.iter().filter(|r| r.result.succeeded()).count();
    eprintln!("{good} of {} machines deployed", reports.len());
    Ok(match build_code {
        Some(code) => code,
        None if ok => 0,
        None => 1,
    })
}

/// Run `xnix deploy`.
pub fn run(args: DeployArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    let opts = opts.clone();
    Ok(ExitCode::from(with_big_stack(move || {
        run_inner(args, &opts)
    })?))
}
