//! One module per subcommand. Each exposes clap argument structs and a
//! `run` function returning the process exit code. [`StoreOpts`] are the
//! global options that say which store a command works on.

pub mod build;
pub mod copy;
pub mod debian;
pub mod deploy;
pub mod doctor;
pub mod emulation;
pub mod eval;
pub mod flake;
pub mod instantiate;
pub mod log;
pub mod path_info;
pub mod platform;
pub mod progress;
pub mod rebuild;
pub mod repl;
pub mod run;
pub mod serve;
pub mod show_config;
pub mod show_derivation;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use xnix_app::installable::DefaultInstallable;
use xnix_app::{AppError, EvalRequest, Installable};
use xnix_formats::{StoreDir, StorePath};
use xnix_store::local::{LocalStore, LocalStoreConfig};

/// Where `rebuild` and `deploy` find system configurations (what
/// lib.nixosSystem returns): a file (a function is called with the
/// arguments given), an attribute in it, or a flake's nixosConfigurations.
#[derive(Args, Clone, Debug, Default)]
pub struct SystemSource {
    /// The file holding the system configuration(s).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "flake"
    )]
    pub file: Option<PathBuf>,
    /// The attribute of FILE that holds the system configuration(s).
    #[arg(short = 'A', long = "attr", value_name = "ATTR")]
    pub attr: Option<String>,
    /// Pass NAME = EXPR to a file that is a function.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STRING" to a file that is a function.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// A flake's configurations: FLAKE#NAME is its nixosConfigurations.NAME
    /// (`deploy` also takes FLAKE alone: all of them).
    #[arg(long, value_name = "FLAKE[#NAME]")]
    pub flake: Option<String>,
}

impl SystemSource {
    /// An evaluation request for `installable` with these arguments.
    pub fn request(&self, installable: Installable, attr_paths: Vec<String>) -> EvalRequest {
        let pairs = |v: &[String]| -> Vec<(String, String)> {
            v.chunks(2)
                .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
                .collect()
        };
        let mut request = EvalRequest::new(installable);
        request.attr_paths = attr_paths;
        request.arg_exprs = pairs(&self.arg);
        request.arg_strs = pairs(&self.argstr);
        request
    }
}

/// What to evaluate: files or expressions, attribute paths, arguments.
#[derive(Args, Clone, Debug, Default)]
pub struct EvalSource {
    /// Files to evaluate (default ./default.nix), or expressions with -E.
    #[arg(value_name = "FILE")]
    pub args: Vec<String>,
    /// Interpret the positional arguments as Nix expressions, not file names.
    #[arg(short = 'E', long = "expr")]
    pub expr: bool,
    /// Select an attribute path (e.g. `pkgsCross.aarch64-multiplatform.hello`).
    #[arg(short = 'A', long = "attr")]
    pub attr: Vec<String>,
    /// Pass NAME = EXPR to a top-level function with formal arguments.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STRING" to a top-level function with formal arguments.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// Add a search path entry: PATH or NAME=PATH (for `<NAME>` lookups).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Show the chain of contexts an error happened in.
    #[arg(long = "show-trace")]
    pub show_trace: bool,
    /// Flake installables (`.#attr`): lock file and cache options.
    #[command(flatten)]
    pub flake: flake::FlakeArgs,
}

impl EvalSource {
    /// The evaluation request these arguments describe; `default` when they
    /// name no file and no expression.
    pub fn request(&self, default: DefaultInstallable, opts: &StoreOpts) -> EvalRequest {
        let pairs = |v: &[String]| {
            v.chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect::<Vec<_>>()
        };
        EvalRequest {
            installable: Installable::from_args(&self.args, self.expr, default),
            attr_paths: self.attr.clone(),
            arg_exprs: pairs(&self.arg),
            arg_strs: pairs(&self.argstr),
            include: self.include.clone(),
            show_trace: self.show_trace || opts.settings.show_trace(),
            flake: self.flake.request(),
        }
    }
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
    /// The substituters given, each trusting every key given; the
    /// `substituters` and `trusted-public-keys` settings where no flag
    /// (or environment variable) gives them.
    pub fn substituters(
        &self,
        opts: &StoreOpts,
    ) -> anyhow::Result<Vec<xnix_app::realise::Substituter>> {
        let or_setting = |given: &[String], set: Vec<String>| match given.is_empty() {
            true => set,
            false => given.to_vec(),
        };
        xnix_app::realise::substituters(
            &or_setting(&self.substituters, opts.settings.substituters()),
            &or_setting(&self.trusted_keys, opts.settings.trusted_public_keys()),
        )
    }
}

/// Evaluate `request`, build the selected derivations (linking `./result` when `link`),
/// and return the outputs in the order selected; `Err(code)` after the
/// failure has been reported.
pub fn build_selected(
    store: &xnix_store::LocalStore,
    opts: &StoreOpts,
    request: EvalRequest,
    link: bool,
) -> anyhow::Result<Result<Vec<xnix_formats::StorePath>, u8>> {
    let progress = progress::Progress::new(store.store_dir().clone(), false);
    let result = build_selected_with(store, opts, request, link, &progress);
    progress.finish();
    result
}

/// [`build_selected`], reporting to `progress` (shared with other work
/// shown at the same time).
pub fn build_selected_with(
    store: &xnix_store::LocalStore,
    opts: &StoreOpts,
    request: EvalRequest,
    link: bool,
    progress: &progress::Progress,
) -> anyhow::Result<Result<Vec<xnix_formats::StorePath>, u8>> {
    let session = xnix_app::Session::new(opts.store_dir(), request)?;
    let options = opts.settings.build_options()?;
    lend_store(&session, opts, &options)?;
    let result = xnix_app::build::build(
        &session,
        store,
        &options,
        link.then_some(std::path::Path::new("result")),
        progress,
    );
    session.leak();
    match result {
        Ok(built) => Ok(Ok(built.into_iter().map(|b| b.path).collect())),
        Err(e) => Ok(Err(report_failure(e)?)),
    }
}

/// Lend `session`'s evaluator the store, so that reading a derivation's output during
/// evaluation (`import`, `readFile`, ... of it) builds it first with `options`, as Nix's
/// import from derivation; with `--option allow-import-from-derivation false`, outputs
/// already valid are read and nothing is built.
pub fn lend_store(
    session: &xnix_app::Session,
    opts: &StoreOpts,
    options: &xnix_app::realise::BuildOptions,
) -> anyhow::Result<()> {
    lend_store_to(session.evaluator(), opts, options)
}

/// [`lend_store`] for an evaluator that is not part of a session (the REPL's).
pub fn lend_store_to(
    evaluator: &xnix_eval::Evaluator,
    opts: &StoreOpts,
    options: &xnix_app::realise::BuildOptions,
) -> anyhow::Result<()> {
    let building = opts
        .settings
        .allow_import_from_derivation()
        .then(|| options.clone());
    evaluator.set_store_access(std::rc::Rc::new(xnix_app::ifd::EvaluationStore::new(
        opts.config()?,
        building,
    )));
    Ok(())
}

/// Print a failure of the application layer the way the commands report
/// them: evaluation errors as Nix formats them, each failed build with its
/// log; the exit code is 1. Other errors are returned, for `main` to print.
pub fn report_failure(e: AppError) -> anyhow::Result<u8> {
    match e {
        AppError::Eval(msg) => {
            eprintln!("{msg}");
            Ok(1)
        }
        AppError::Build(b) => {
            for f in &b.failures {
                eprintln!("error: {}", f.message);
                match &f.log {
                    Some(log) if !f.message_names_log => {
                        eprintln!("full log: {}", log.display())
                    }
                    _ => {}
                }
            }
            if b.failures.len() > 1 {
                eprintln!("error: {} derivations failed", b.failures.len());
            }
            Ok(1)
        }
        AppError::Other(e) => Err(e),
    }
}

/// The store directory when neither `--store-dir` nor `XNIX_STORE_DIR` names one.
pub const DEFAULT_STORE_DIR: &str = "/xnix/store";

/// Which store a command uses; accepted by every command.
#[derive(Args, Clone, Debug, Default)]
pub struct StoreOpts {
    /// The logical store directory (part of every store path's hash) [default: /xnix/store].
    #[arg(
        long,
        global = true,
        env = "XNIX_STORE_DIR",
        value_name = "DIR",
        help_heading = "Store options"
    )]
    pub store_dir: Option<String>,
    /// A physical root the store and state directories live under (as Nix's `--store local?root=DIR`).
    #[arg(
        long,
        global = true,
        env = "XNIX_STORE_ROOT",
        value_name = "DIR",
        visible_alias = "root",
        help_heading = "Store options"
    )]
    pub store_root: Option<PathBuf>,
    /// The state directory (registry, GC roots, logs) [default: /xnix/var/xnix, under the root if any].
    #[arg(
        long,
        global = true,
        env = "XNIX_STATE_DIR",
        value_name = "DIR",
        help_heading = "Store options"
    )]
    pub state_dir: Option<PathBuf>,
    /// Set a setting for this run, as in xnix.conf (`xnix show-config` lists them);
    /// repeatable, wins over the file.
    #[arg(
        long = "option",
        global = true,
        num_args = 2,
        value_names = ["NAME", "VALUE"],
        help_heading = "Settings"
    )]
    pub option: Vec<String>,
    /// The effective settings: xnix.conf, then --option (read once in `main`).
    #[arg(skip)]
    pub settings: std::sync::Arc<xnix_app::settings::Settings>,
}

impl StoreOpts {
    /// Read the settings (xnix.conf, `$XNIX_CONFIG`, then `--option`),
    /// printing a warning for each unknown one, as Nix does.
    pub fn load_settings(&mut self) -> anyhow::Result<()> {
        let pairs: Vec<(String, String)> = self
            .option
            .chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect();
        let settings = xnix_app::settings::Settings::load(&pairs)?;
        for w in &settings.warnings {
            eprintln!("warning: {w}");
        }
        // The evaluator's `builtins.currentSystem` is the `system` setting, as
        // in Nix; it reads XNIX_SYSTEM, which (set by the user) still wins.
        // Set here, before any thread starts.
        if settings.is_set("system") && std::env::var_os("XNIX_SYSTEM").is_none() {
            std::env::set_var("XNIX_SYSTEM", settings.system());
        }
        self.settings = std::sync::Arc::new(settings);
        Ok(())
    }

    /// The logical store directory in use.
    pub fn store_dir(&self) -> &str {
        self.store_dir.as_deref().unwrap_or(DEFAULT_STORE_DIR)
    }

    /// The configuration of the local store these options describe.
    pub fn config(&self) -> anyhow::Result<LocalStoreConfig> {
        let store_dir = StoreDir::new(self.store_dir().to_string())
            .with_context(|| format!("invalid store directory '{}'", self.store_dir()))?;
        Ok(LocalStoreConfig {
            store_dir: Some(store_dir),
            root: self.store_root.clone(),
            state_dir: self.state_dir.clone(),
            ..Default::default()
        })
    }

    /// Open (creating if needed) the local store these options describe.
    pub fn open(&self) -> anyhow::Result<LocalStore> {
        let config = self.config()?;
        let shown = match &self.store_root {
            Some(r) => format!("{} under root {}", self.store_dir(), r.display()),
            None => self.store_dir().to_string(),
        };
        LocalStore::open(config).with_context(|| format!("opening the store {shown}"))
    }

    /// Where a logical path (e.g. `/xnix/store/...-hello/bin`) physically is.
    pub fn physical(&self, logical: &Path) -> PathBuf {
        match &self.store_root {
            Some(root) if logical.starts_with(self.store_dir()) => {
                root.join(logical.strip_prefix("/").unwrap_or(logical))
            }
            _ => logical.to_path_buf(),
        }
    }
}

/// Turn a command-line argument into a store path: a store path (or a path
/// inside one), or a symlink such as `./result` that leads into the store.
pub fn resolve_store_path(store: &LocalStore, arg: &str) -> anyhow::Result<StorePath> {
    let mut cur = arg.to_string();
    for _ in 0..40 {
        if store.store_dir().is_in_store(&cur) {
            let (sp, _) = store
                .store_dir()
                .split_inner(&cur)
                .with_context(|| format!("'{cur}' is not a valid store path"))?;
            return Ok(sp);
        }
        match std::fs::read_link(&cur) {
            Ok(target) => {
                let target = if target.is_absolute() {
                    target
                } else {
                    Path::new(&cur)
                        .parent()
                        .unwrap_or(Path::new("."))
                        .join(target)
                };
                cur = target.to_string_lossy().into_owned();
            }
            Err(_) => break,
        }
    }
    bail!(
        "'{arg}' is not in the store {} (give a store path, or a link such as ./result that points into it)",
        store.store_dir().as_str()
    )
}
