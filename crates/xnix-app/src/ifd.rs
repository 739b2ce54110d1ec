//! Import from derivation: the store lent to the evaluator ([`xnix_eval::StoreAccess`]), so
//! that `import`, `readFile` and the like of a derivation's output build it first, as Nix
//! does with `allow-import-from-derivation` (its default).

use std::path::PathBuf;

use xnix_eval::{Evaluator, StoreAccess};
use xnix_store::{LocalStore, LocalStoreConfig};

use crate::progress::Silent;
use crate::realise::{realise, BuildOptions};

/// The store an evaluation may build in: opened when first needed, so that an
/// evaluation that never imports from a derivation does not touch it.
pub struct EvaluationStore {
    config: LocalStoreConfig,
    /// How to build; `None`: outputs already valid may be read, nothing is built
    /// (`allow-import-from-derivation = false`).
    options: Option<BuildOptions>,
    store: std::cell::OnceCell<LocalStore>,
}

impl EvaluationStore {
    /// A store at `config`, building with `options` (`None`: never building).
    pub fn new(config: LocalStoreConfig, options: Option<BuildOptions>) -> EvaluationStore {
        EvaluationStore {
            config,
            options,
            store: std::cell::OnceCell::new(),
        }
    }

    fn store(&self) -> Result<&LocalStore, String> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let opened = LocalStore::open(self.config.clone())
            .map_err(|e| format!("opening the store: {e:#}"))?;
        Ok(self.store.get_or_init(|| opened))
    }
}

impl StoreAccess for EvaluationStore {
    fn host_path(&self, logical: &str) -> Option<String> {
        let root = self.config.root.as_ref()?;
        let mut p = PathBuf::from(root);
        p.push(logical.trim_start_matches('/'));
        Some(p.to_string_lossy().into_owned())
    }

    fn realise(&self, ev: &Evaluator, wanted: &[(String, Vec<String>)]) -> Result<(), String> {
        let store = self.store()?;
        // The derivations (and sources they use) exist only in the evaluator so far.
        crate::objects::write_to_store(ev, store, &Silent).map_err(|e| format!("{e:#}"))?;
        let mut missing = Vec::new();
        for (drv, outputs) in wanted {
            let p = store
                .store_dir()
                .parse(drv)
                .map_err(|e| format!("'{drv}' is not a store path: {e}"))?;
            let d = xnix_build::builder::read_derivation(store, &p).map_err(|e| e.to_string())?;
            for name in outputs {
                if !d.outputs.contains_key(name) {
                    return Err(format!("'{drv}' has no output '{name}'"));
                }
            }
            let mut valid = true;
            for (name, out) in &d.outputs {
                if !outputs.is_empty() && !outputs.contains(name) {
                    continue;
                }
                let Some(path) = &out.path else {
                    valid = false;
                    break;
                };
                if !store.is_valid_path(path).map_err(|e| format!("{e:#}"))? {
                    valid = false;
                    break;
                }
            }
            if !valid {
                missing.push((drv, p));
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let Some(options) = &self.options else {
            return Err("the option 'allow-import-from-derivation' is disabled".to_string());
        };
        for (drv, _) in &missing {
            // Nix says what it builds during evaluation; so do we, on stderr.
            eprintln!("building '{drv}' during evaluation (import from derivation)...");
        }
        let drvs: Vec<_> = missing.into_iter().map(|(_, p)| p).collect();
        realise(store, &drvs, options, &Silent).map_err(|e| e.to_string())?;
        Ok(())
    }
}
