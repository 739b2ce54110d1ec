//! Planning: which derivations must be built (wanted outputs missing and
//! not substitutable), and how they depend on each other.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use xnix_formats::{Derivation, StoreDir, StorePath};

use super::{
    read_derivation, BuildError, BuildEvent, BuildOptions, BuildProgress, BuildStore,
    StoreAccessError,
};

/// What has to be built and how derivations depend on each other.
pub(super) struct Plan {
    pub(super) drvs: BTreeMap<StorePath, Derivation>,
    pub(super) to_build: BTreeSet<StorePath>,
    pub(super) deps: BTreeMap<StorePath, BTreeSet<StorePath>>,
}

pub(super) fn store_err(
    store_dir: &StoreDir,
    drv: &StorePath,
) -> impl FnOnce(StoreAccessError) -> BuildError {
    let drv = store_dir.full(drv);
    move |source| BuildError::Store { drv, source }
}

pub(super) fn output_paths(
    store_dir: &StoreDir,
    drv_path: &StorePath,
    drv: &Derivation,
) -> Result<BTreeMap<String, StorePath>, BuildError> {
    drv.outputs
        .iter()
        .map(|(name, o)| {
            o.path.clone().map(|p| (name.clone(), p)).ok_or_else(|| BuildError::Unsupported {
                drv: store_dir.full(drv_path),
                what: format!(
                    "output '{name}' has no path (floating content-addressed outputs are not supported)"
                ),
            })
        })
        .collect()
}

pub(super) fn plan<S: BuildStore + ?Sized>(
    store: &S,
    roots: &[StorePath],
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<Plan, Box<(StorePath, BuildError)>> {
    let sd = store.store_dir();
    let mut drvs: BTreeMap<StorePath, Derivation> = BTreeMap::new();
    let mut wanted: BTreeMap<StorePath, BTreeSet<String>> = BTreeMap::new();
    let mut to_build = BTreeSet::new();
    let mut queue: VecDeque<StorePath> = VecDeque::new();
    for root in roots {
        let drv = read_derivation(store, root).map_err(|e| Box::new((root.clone(), e)))?;
        let all: BTreeSet<String> = drv.outputs.keys().cloned().collect();
        drvs.insert(root.clone(), drv);
        wanted.entry(root.clone()).or_default().extend(all);
        queue.push_back(root.clone());
    }
    while let Some(drv_path) = queue.pop_front() {
        if to_build.contains(&drv_path) {
            // Inputs were followed already; they do not depend on which of
            // this derivation's outputs are wanted.
            continue;
        }
        let drv = &drvs[&drv_path];
        let outputs =
            output_paths(sd, &drv_path, drv).map_err(|e| Box::new((drv_path.clone(), e)))?;
        let mut missing = BTreeSet::new();
        for name in &wanted[&drv_path] {
            let Some(path) = outputs.get(name) else {
                return Err(Box::new((
                    drv_path.clone(),
                    BuildError::ReadDerivation {
                        drv: sd.full(&drv_path),
                        reason: format!(
                            "a dependent wants its output '{name}', which it does not have"
                        ),
                    },
                )));
            };
            if !store
                .is_valid_path(path)
                .map_err(|e| Box::new((drv_path.clone(), store_err(sd, &drv_path)(e))))?
            {
                missing.insert(path.clone());
            }
        }
        // Checking: a requested derivation is built again, its inputs only
        // when missing.
        let check = options.check && roots.contains(&drv_path);
        if missing.is_empty() && !check {
            continue;
        }
        // Substitute before building: when every missing output can be
        // fetched, the derivation's inputs are not needed either.
        if !options.substituters.is_empty() && !missing.is_empty() {
            let outcome = store.substitute(&missing, &options.substituters);
            for (path, from) in &outcome.substituted {
                progress.on_event(&BuildEvent::Substituted { path, from });
            }
            for message in &outcome.warnings {
                progress.on_event(&BuildEvent::SubstitutionFailed {
                    drv: &drv_path,
                    message,
                });
            }
            let mut still_missing = false;
            for p in &missing {
                if !store
                    .is_valid_path(p)
                    .map_err(|e| Box::new((drv_path.clone(), store_err(sd, &drv_path)(e))))?
                {
                    still_missing = true;
                }
            }
            if !still_missing && !check {
                continue;
            }
        }
        to_build.insert(drv_path.clone());
        let inputs: Vec<(StorePath, BTreeSet<String>)> = drv
            .input_drvs
            .iter()
            .map(|(p, o)| (p.clone(), o.clone()))
            .collect();
        for (input, outs) in inputs {
            if !drvs.contains_key(&input) {
                let d = read_derivation(store, &input).map_err(|e| Box::new((input.clone(), e)))?;
                drvs.insert(input.clone(), d);
            }
            let entry = wanted.entry(input.clone()).or_default();
            let before = entry.len();
            entry.extend(outs);
            if entry.len() != before {
                queue.push_back(input);
            }
        }
    }
    let deps = to_build
        .iter()
        .map(|d| {
            let ds = drvs[d]
                .input_drvs
                .keys()
                .filter(|i| to_build.contains(*i))
                .cloned()
                .collect();
            (d.clone(), ds)
        })
        .collect();
    Ok(Plan {
        drvs,
        to_build,
        deps,
    })
}
