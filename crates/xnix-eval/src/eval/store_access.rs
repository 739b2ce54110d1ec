//! Reading the store during evaluation: import from derivation.
//!
//! The evaluator itself touches no store: it computes store paths and records what
//! must be written. A program that has a store (xnix's application layer) can lend it
//! through [`StoreAccess`]; then `import`, `readFile`, `readDir`, `pathExists`,
//! `readFileType`, `hashFile` and `scopedImport` of a string whose context names
//! derivation outputs first build those outputs (as Nix's `allow-import-from-derivation`),
//! and paths in the store are read where the store keeps them on this machine.

use super::{Evaluator, R};
use crate::error::EvalError;
use crate::value::Pos;

/// What the evaluator may ask of a store.
pub trait StoreAccess {
    /// Where the logical store path `logical` (or a path inside one) is on this
    /// machine, when that differs from `logical` (a store kept under a root directory).
    fn host_path(&self, logical: &str) -> Option<String>;

    /// Make the outputs named (derivation path, output names; empty = every output)
    /// valid: write what the evaluation recorded so far, then build or substitute.
    /// `Err` is a message for the user.
    fn realise(&self, ev: &Evaluator, wanted: &[(String, Vec<String>)]) -> Result<(), String>;
}

impl Evaluator {
    /// Lend the evaluator a store (see the module documentation).
    pub fn set_store_access(&self, access: std::rc::Rc<dyn StoreAccess>) {
        *self.store_access.borrow_mut() = Some(access);
    }

    /// Where to read `path` on this machine: a store path where the lent store keeps
    /// it, or, for a store path this evaluation computed but nobody wrote yet (a
    /// flake's source, copied lazily), the source it will be copied from.
    pub(crate) fn host_path(&self, path: &str) -> String {
        if !path.starts_with(&self.store_dir) {
            return path.to_string();
        }
        let mapped = match &*self.store_access.borrow() {
            Some(access) => access.host_path(path),
            None => None,
        };
        let host = mapped.unwrap_or_else(|| path.to_string());
        if std::fs::symlink_metadata(&host).is_err() {
            if let Some(src) = self.unwritten_source(path) {
                return src;
            }
        }
        host
    }

    /// Build the derivation outputs in `ctx` (a string's context) before the string
    /// is read as a path. Without a store, reading a derivation output that does not
    /// exist fails later with the path's own error.
    pub(crate) fn realise_context(&self, ctx: &[String], pos: Pos) -> R<()> {
        let mut wanted: Vec<(String, Vec<String>)> = Vec::new();
        for elem in ctx {
            let (drv, output) = if let Some(rest) = elem.strip_prefix('!') {
                match rest.split_once('!') {
                    Some((output, drv)) => (drv, Some(output)),
                    None => continue,
                }
            } else if let Some(drv) = elem.strip_prefix('=') {
                (drv, None)
            } else {
                continue;
            };
            match wanted.iter_mut().find(|(d, _)| d == drv) {
                Some((_, outs)) => {
                    if let Some(o) = output {
                        if !outs.is_empty() && !outs.iter().any(|x| x == o) {
                            outs.push(o.to_string());
                        }
                    } else {
                        outs.clear();
                    }
                }
                None => wanted.push((
                    drv.to_string(),
                    output.map(|o| vec![o.to_string()]).unwrap_or_default(),
                )),
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let access = self.store_access.borrow().clone();
        let Some(access) = access else {
            return Ok(());
        };
        access.realise(self, &wanted).map_err(|msg| {
            EvalError::msg(
                format!(
                    "cannot build '{}' during evaluation (import from derivation): {msg}",
                    wanted
                        .iter()
                        .map(|(d, _)| d.as_str())
                        .collect::<Vec<_>>()
                        .join("', '")
                ),
                pos,
            )
        })
    }
}
