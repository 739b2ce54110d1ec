//! `xnix build`: instantiate, realise through `xnix-build`, create `result`
//! links registered as GC roots, print the output paths (as `nix-build`).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use xnix_build::builder::{realise, BuildOptions, Realised};
use xnix_build::sandbox::{busybox_sandbox_paths, SandboxPath};
use xnix_build::substitute::Substituter;
use xnix_eval::with_big_stack;
use xnix_formats::StorePath;
use xnix_store::LocalStore;

use super::instantiate::{self, EvalSource, InstantiateError};
use super::progress::{Progress, ProgressMode};
use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix build -A hello                       build from the package collection (pkgs/)
  xnix build -A pkgsCross.aarch64-multiplatform.hello
  xnix build ./default.nix -A app -j 4 --keep-going
  xnix build -E 'with import <xnixpkgs> {}; hello' --no-out-link
  xnix build ./graph.nix --out-link ./out   links ./out, ./out-2, ...

With no FILE and no -E the package collection is used: `$XNIX_PKGS`, or the
pkgs/ directory of the repository xnix was built from (also reachable as
<xnixpkgs>). Each selected output gets a link, as nix-build makes them: the
derivations are numbered in the order they first appear (`result` for the
first, `result-2`, ... for the next) and `-OUTPUT` is appended for an output
other than `out`, so `-A zlib.all` links `result` and `result-dev`, and a
package whose first output is `bin` links `result-bin`. Links are GC roots.
Output paths are printed on stdout, each once, in the order selected.

Builders run in a sandbox that sees the store paths they depend on, plus the
sandbox paths: by default the host's static busybox as /bin/sh and
/bin/busybox; add more with --sandbox-path (Nix's `sandbox-paths` syntax).

With --substituters URL (or XNIX_SUBSTITUTERS, space-separated) an output is
first looked up in those binary caches (as written by `xnix copy --to` or
`nix copy --to`) and fetched instead of built when a cache has it signed by a
--trusted-key (or XNIX_TRUSTED_PUBLIC_KEYS); otherwise it is built:
  xnix build -A hello --substituters file:///srv/cache --trusted-key ./public.key

With --builders (or XNIX_BUILDERS), derivations this machine cannot build (or,
with -j 0, all of them) are built on other machines over ssh, as Nix's remote
builds: their inputs are copied there, the outputs copied back and checked. A
builder runs xnix (or, for --store-dir /nix/store, Nix); one that cannot be
reached is skipped and tried again a minute later:
  xnix build -A pkgsCross.riscv64.hello --builders 'ssh://root@rv-board riscv64-linux'
  xnix build ./drv.nix -j 0 --builders @/etc/xnix/machines";

/// Arguments of `xnix build`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: EvalSource,
    /// Run up to N builds at the same time.
    #[arg(short = 'j', long = "max-jobs", value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Keep building what does not depend on a failed build.
    #[arg(short = 'k', long)]
    pub keep_going: bool,
    /// Keep the build directories of failed builds.
    #[arg(short = 'K', long)]
    pub keep_failed: bool,
    /// Name of the result link (numbered and suffixed for further results).
    #[arg(short = 'o', long, value_name = "NAME", default_value = "result")]
    pub out_link: PathBuf,
    /// Create no result links.
    #[arg(long, conflicts_with = "out_link")]
    pub no_out_link: bool,
    /// Extra host path visible in every sandbox: PATH, INSIDE=HOST, optionally followed by '?'.
    #[arg(long = "sandbox-path", value_name = "SPEC")]
    pub sandbox_path: Vec<String>,
    /// Copy every build log line to stderr (prefixed with the derivation name).
    #[arg(short = 'L', long = "print-build-logs")]
    pub print_build_logs: bool,
    /// Log lines shown when a build fails.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub log_lines: usize,
    #[command(flatten)]
    pub substitute: SubstituteArgs,
    /// Other machines to build on: Nix's machines format
    /// ('ssh://HOST SYSTEMS KEY MAXJOBS SPEED FEATURES MANDATORY; ...') or @FILE.
    /// With -j 0 every derivation goes to them.
    #[arg(long, value_name = "MACHINES", env = "XNIX_BUILDERS")]
    pub builders: Option<String>,
}

/// The `--builders` of a build, for the scheduler (xnix-remote's builders).
pub fn remote_builders(
    spec: Option<&str>,
    opts: &StoreOpts,
) -> anyhow::Result<Option<std::sync::Arc<dyn xnix_build::builder::RemoteBuilders>>> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let machines = xnix_remote::builders::parse_machines(spec, &xnix_platform::host_double())?;
    let config = xnix_store::LocalStoreConfig {
        store_dir: Some(xnix_formats::StoreDir::new(opts.store_dir().to_string())?),
        root: opts.store_root.clone(),
        state_dir: opts.state_dir.clone(),
        ..Default::default()
    };
    Ok(Some(std::sync::Arc::new(
        xnix_remote::builders::Builders::new(
            machines,
            config,
            xnix_remote::ssh::ssh_opts_from_env(),
        ),
    )))
}

/// Where outputs may be fetched from instead of built (`build` and `run`).
#[derive(Args, Clone, Debug, Default)]
pub struct SubstituteArgs {
    /// Binary cache to fetch outputs from instead of building them (file:///DIR or
    /// http(s)://...); repeatable, tried in order; needs --trusted-key.
    #[arg(
        long = "substituters",
        visible_alias = "substituter",
        value_name = "URL",
        env = "XNIX_SUBSTITUTERS",
        value_delimiter = ' '
    )]
    pub substituters: Vec<String>,
    /// Public key whose signatures make substitutes acceptable (NAME:BASE64, or a file
    /// holding one); repeatable.
    #[arg(
        long = "trusted-key",
        value_name = "KEY",
        env = "XNIX_TRUSTED_PUBLIC_KEYS",
        value_delimiter = ' '
    )]
    pub trusted_keys: Vec<String>,
}

impl SubstituteArgs {
    /// The substituters given, each trusting every key given.
    pub fn substituters(&self) -> anyhow::Result<Vec<Substituter>> {
        let trusted_keys = super::copy::parse_trusted_keys(&self.trusted_keys)?;
        Ok(self
            .substituters
            .iter()
            .filter(|u| !u.trim().is_empty())
            .map(|url| Substituter {
                url: url.clone(),
                trusted_keys: trusted_keys.clone(),
            })
            .collect())
    }
}

/// The default sandbox paths (busybox as `/bin/sh` and `/bin/busybox`) plus the
/// `--sandbox-path` specs given.
pub fn sandbox_paths(extra: &[String]) -> anyhow::Result<Vec<SandboxPath>> {
    let mut paths = busybox_sandbox_paths();
    if let Some(sh) = paths.first().cloned() {
        paths.push(SandboxPath {
            inside: "/bin/busybox".into(),
            host: sh.host,
            optional: false,
        });
    }
    for spec in extra {
        paths.push(SandboxPath::parse(spec).with_context(|| format!("in --sandbox-path {spec}"))?);
    }
    Ok(paths)
}

/// The name of the result link for output `output` of the `index`-th
/// distinct derivation selected (counting from 0), as nix-build names it.
pub fn link_name(base: &std::path::Path, index: usize, output: &str) -> PathBuf {
    let mut s = base.as_os_str().to_os_string();
    if index > 0 {
        s.push(format!("-{}", index + 1));
    }
    if output != "out" {
        s.push(format!("-{output}"));
    }
    PathBuf::from(s)
}

/// Realises `drvs` with the live progress display, and on failure prints
/// each failed build's error and where its full log is. `None` when
/// anything failed (the errors are printed).
pub fn realise_reporting(
    store: &LocalStore,
    drvs: &[StorePath],
    options: &BuildOptions,
    print_build_logs: bool,
) -> Option<Realised> {
    let progress = Progress::new(
        ProgressMode::detect(),
        print_build_logs,
        store.store_dir().clone(),
    );
    let result = realise(store, drvs, options, &progress);
    progress.finish();
    match result {
        Ok(realised) => Some(realised),
        Err(e) => {
            for (drv, err) in &e.failures {
                eprintln!("error: {err}");
                if !err.to_string().contains("full log:") {
                    let log = xnix_build::builder::build_log_path(store.state_dir(), drv);
                    if log.exists() {
                        eprintln!("full log: {}", log.display());
                    }
                }
            }
            if e.failures.len() > 1 {
                eprintln!("error: {} derivations failed", e.failures.len());
            }
            None
        }
    }
}

fn run_inner(args: BuildArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    let store = opts.open()?;
    let default_file = instantiate::default_file(&args.source)?;
    let selected =
        match instantiate::instantiate(&args.source, opts.store_dir(), &store, &default_file) {
            Ok(s) => s,
            Err(InstantiateError::Eval(msg)) => {
                eprintln!("{msg}");
                return Ok(1);
            }
            Err(InstantiateError::Other(e)) => return Err(e),
        };
    let mut drvs = Vec::new();
    let mut seen = BTreeSet::new();
    for s in &selected {
        let p = instantiate::parse_drv(&store, &s.drv_path)?;
        if seen.insert(p.clone()) {
            drvs.push(p);
        }
    }
    let options = BuildOptions {
        jobs: args.jobs.max(1),
        remote_builders: remote_builders(args.builders.as_deref(), &opts)?,
        build_locally: args.jobs > 0 || args.builders.is_none(),
        keep_going: args.keep_going,
        keep_failed: args.keep_failed,
        sandbox_paths: sandbox_paths(&args.sandbox_path)?,
        log_tail_lines: args.log_lines,
        substituters: args.substitute.substituters()?,
        ..BuildOptions::default()
    };
    let Some(realised) = realise_reporting(&store, &drvs, &options, args.print_build_logs) else {
        return Ok(1);
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // As nix-build: the outputs of one derivation share its number, whatever
    // the order they were selected in; an output selected twice is one result.
    let mut drv_index: HashMap<&str, usize> = HashMap::new();
    let mut done: BTreeSet<(&str, &str)> = BTreeSet::new();
    for s in &selected {
        if !done.insert((s.drv_path.as_str(), s.output.as_str())) {
            continue;
        }
        let next = drv_index.len();
        let index = *drv_index.entry(s.drv_path.as_str()).or_insert(next);
        let drv = instantiate::parse_drv(&store, &s.drv_path)?;
        let path = realised
            .outputs
            .get(&drv)
            .and_then(|o| o.get(&s.output))
            .with_context(|| format!("'{}' has no output '{}'", s.drv_path, s.output))?;
        if !args.no_out_link {
            let link = link_name(&args.out_link, index, &s.output);
            store
                .add_indirect_root(&link, path)
                .with_context(|| format!("creating the result link '{}'", link.display()))?;
        }
        writeln!(out, "{}", store.print_path(path))?;
    }
    out.flush()?;
    Ok(0)
}

/// Run `xnix build`.
pub fn run(args: BuildArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}
