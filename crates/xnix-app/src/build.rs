//! Building, as `nix-build` does: instantiate, realise, and link each
//! selected output (`result`, `result-2`, `result-dev`, ...) as a GC root.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;
use xnix_formats::StorePath;
use xnix_store::LocalStore;

use crate::instantiate::{instantiate, parse_drv, Selected};
use crate::progress::Reporter;
use crate::realise::{realise, BuildOptions};
use crate::{AppError, Session};

/// One selected output, built.
#[derive(Debug, Clone)]
pub struct BuiltOutput {
    /// The derivation and output selected.
    pub selected: Selected,
    /// The output's store path.
    pub path: StorePath,
    /// The result link made for it, if any.
    pub link: Option<PathBuf>,
}

/// The name of the result link for output `output` of the `index`-th
/// distinct derivation selected (counting from 0), as nix-build names it.
pub fn link_name(base: &Path, index: usize, output: &str) -> PathBuf {
    let mut s = base.as_os_str().to_os_string();
    if index > 0 {
        s.push(format!("-{}", index + 1));
    }
    if output != "out" {
        s.push(format!("-{output}"));
    }
    PathBuf::from(s)
}

/// Instantiate the session's request, realise the selected derivations and,
/// when `out_link` is given, link each selected output under names derived
/// from it (GC roots). Returns the outputs in the order selected, each once.
pub fn build(
    session: &Session,
    store: &LocalStore,
    options: &BuildOptions,
    out_link: Option<&Path>,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltOutput>, AppError> {
    let selected = instantiate(session, store, reporter)?;
    let mut drvs = Vec::new();
    let mut seen = BTreeSet::new();
    for s in &selected {
        let p = parse_drv(store, &s.drv_path)?;
        if seen.insert(p.clone()) {
            drvs.push(p);
        }
    }
    let realised = realise(store, &drvs, options, reporter).map_err(AppError::Build)?;
    // As nix-build: the outputs of one derivation share its number, whatever
    // the order they were selected in; an output selected twice is one result.
    let mut drv_index: HashMap<&str, usize> = HashMap::new();
    let mut done: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut built = Vec::new();
    for s in &selected {
        if !done.insert((s.drv_path.as_str(), s.output.as_str())) {
            continue;
        }
        let next = drv_index.len();
        let index = *drv_index.entry(s.drv_path.as_str()).or_insert(next);
        let drv = parse_drv(store, &s.drv_path)?;
        let path = realised
            .outputs
            .get(&drv)
            .and_then(|o| o.get(&s.output))
            .with_context(|| format!("'{}' has no output '{}'", s.drv_path, s.output))?;
        let link = match out_link {
            Some(base) => {
                let link = link_name(base, index, &s.output);
                store
                    .add_indirect_root(&link, path)
                    .with_context(|| format!("creating the result link '{}'", link.display()))?;
                Some(link)
            }
            None => None,
        };
        built.push(BuiltOutput {
            selected: s.clone(),
            path: path.clone(),
            link,
        });
    }
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_named_as_nix_build_names_them() {
        let base = Path::new("result");
        assert_eq!(link_name(base, 0, "out"), Path::new("result"));
        assert_eq!(link_name(base, 0, "dev"), Path::new("result-dev"));
        assert_eq!(link_name(base, 1, "out"), Path::new("result-2"));
        assert_eq!(link_name(base, 2, "bin"), Path::new("result-3-bin"));
    }
}
