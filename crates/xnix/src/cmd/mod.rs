//! One module per subcommand. Each exposes clap argument structs and a
//! `run` function returning the process exit code. [`StoreOpts`] are the
//! global options that say which store a command works on.

pub mod build;
pub mod copy;
pub mod debian;
pub mod doctor;
pub mod eval;
pub mod instantiate;
pub mod log;
pub mod path_info;
pub mod platform;
pub mod progress;
pub mod repl;
pub mod run;
pub mod show_derivation;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use xnix_formats::{StoreDir, StorePath};
use xnix_store::local::{LocalStore, LocalStoreConfig};

/// An evaluator for the store directory `store_dir`, with the `-I` entries `include`
/// and the package collection as `<xnixpkgs>`. The collection is a fallback entry, as
/// Nix's own `<nix/...>` files are: `-I xnixpkgs=...` and `NIX_PATH` override it, and it
/// does not show in `builtins.nixPath`.
pub fn new_evaluator(store_dir: &str, include: &[String]) -> xnix_eval::Evaluator {
    let ev = xnix_eval::Evaluator::with_store_dir(store_dir);
    for entry in include {
        ev.add_search_path(entry);
    }
    if let Some(pkgs) = instantiate::find_pkgs() {
        ev.add_fallback_search_path(&format!("xnixpkgs={}", pkgs.display()));
    }
    ev
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
}

impl StoreOpts {
    /// The logical store directory in use.
    pub fn store_dir(&self) -> &str {
        self.store_dir.as_deref().unwrap_or(DEFAULT_STORE_DIR)
    }

    /// Open (creating if needed) the local store these options describe.
    pub fn open(&self) -> anyhow::Result<LocalStore> {
        let store_dir = StoreDir::new(self.store_dir().to_string())
            .with_context(|| format!("invalid store directory '{}'", self.store_dir()))?;
        let config = LocalStoreConfig {
            store_dir: Some(store_dir),
            root: self.store_root.clone(),
            state_dir: self.state_dir.clone(),
            ..Default::default()
        };
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
