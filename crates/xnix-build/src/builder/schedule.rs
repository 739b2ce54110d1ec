//! Scheduling: running the planned builds on up to `jobs` threads,
//! dependencies first, failing dependents of a failed build.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex};

use xnix_formats::StorePath;
use xnix_platform::Machine;

use super::build_one::BuildContext;
use super::plan::{output_paths, plan};
use super::{
    BuildError, BuildEvent, BuildOptions, BuildProgress, BuildStore, RealiseError, Realised,
};

/// Realises the derivations `drvs` (their `.drv` files must be in the
/// store): builds whatever outputs are not valid yet, with their
/// dependencies first, and returns every requested derivation's outputs.
pub fn realise<S: BuildStore + ?Sized>(
    store: &S,
    drvs: &[StorePath],
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<Realised, RealiseError> {
    let plan = plan(store, drvs, options, progress).map_err(|failure| RealiseError {
        failures: vec![*failure],
        built: Vec::new(),
    })?;
    if !plan.to_build.is_empty() {
        crate::sandbox::remove_stale_scratch_dirs(&store.state_dir().join("builds"));
    }
    let order: Vec<StorePath> = plan.to_build.iter().cloned().collect();
    progress.on_event(&BuildEvent::Planned { to_build: &order });

    let mut dependents: BTreeMap<StorePath, Vec<StorePath>> = BTreeMap::new();
    for (d, ds) in &plan.deps {
        for dep in ds {
            dependents.entry(dep.clone()).or_default().push(d.clone());
        }
    }
    let state = Mutex::new(Schedule {
        ready: plan
            .deps
            .iter()
            .filter(|(_, ds)| ds.is_empty())
            .map(|(d, _)| d.clone())
            .collect(),
        waiting: plan
            .deps
            .iter()
            .map(|(d, ds)| (d.clone(), ds.len()))
            .collect(),
        running: 0,
        stop: false,
        built: Vec::new(),
        failures: Vec::new(),
    });
    let wake = Condvar::new();
    let workers = options.jobs.max(1).min(plan.to_build.len().max(1));
    let ctx = BuildContext {
        store,
        options,
        progress,
        drvs: &plan.drvs,
        // A system name xnix-platform does not know still builds
        // derivations that name it exactly.
        machine: Machine::with_extra_platforms(&options.system, &options.extra_platforms).ok(),
        emulator_dirs: std::sync::OnceLock::new(),
    };

    // A derivation this machine can neither run nor emulate fails the
    // whole realisation before anything is built (with keep-going, or with
    // remote builders that may take it, only itself and its dependents).
    let precheck = !options.keep_going && options.remote_builders.is_none();
    for drv_path in plan.to_build.iter().filter(|_| precheck) {
        let shown = store.store_dir().full(drv_path);
        if let Err(e) = ctx.check_system(&shown, &plan.drvs[drv_path]) {
            return Err(RealiseError {
                failures: vec![(drv_path.clone(), e)],
                built: Vec::new(),
            });
        }
    }

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let drv_path = {
                    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        if s.stop {
                            break None;
                        }
                        if let Some(d) = s.ready.pop_front() {
                            s.running += 1;
                            break Some(d);
                        }
                        if s.running == 0 {
                            break None;
                        }
                        s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                    }
                };
                let Some(drv_path) = drv_path else {
                    wake.notify_all();
                    return;
                };
                let result = ctx.build_one(&drv_path);
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.running -= 1;
                match result {
                    Ok((outputs, built_here)) => {
                        progress.on_event(&BuildEvent::Finished {
                            drv: &drv_path,
                            outputs: &outputs,
                        });
                        if built_here {
                            s.built.push(drv_path.clone());
                        }
                        for dep in dependents.get(&drv_path).into_iter().flatten() {
                            let n = s.waiting.get_mut(dep).expect("every dependent is planned");
                            *n -= 1;
                            if *n == 0 {
                                s.ready.push_back(dep.clone());
                            }
                        }
                    }
                    Err(error) => {
                        progress.on_event(&BuildEvent::Failed {
                            drv: &drv_path,
                            error: &error,
                        });
                        s.failures.push((drv_path.clone(), error));
                        // Everything that (transitively) needs it fails too.
                        let mut stack = vec![drv_path.clone()];
                        let mut seen = BTreeSet::new();
                        while let Some(failed) = stack.pop() {
                            for dep in dependents.get(&failed).into_iter().flatten() {
                                if seen.insert(dep.clone()) {
                                    let error = BuildError::DependencyFailed {
                                        drv: store.store_dir().full(dep),
                                        dependency: store.store_dir().full(&failed),
                                    };
                                    progress.on_event(&BuildEvent::Failed {
                                        drv: dep,
                                        error: &error,
                                    });
                                    s.failures.push((dep.clone(), error));
                                    stack.push(dep.clone());
                                }
                            }
                        }
                        if !options.keep_going {
                            s.stop = true;
                            s.ready.clear();
                        }
                    }
                }
                drop(s);
                wake.notify_all();
            });
        }
    });

    let s = state.into_inner().unwrap_or_else(|e| e.into_inner());
    if !s.failures.is_empty() {
        return Err(RealiseError {
            failures: s.failures,
            built: s.built,
        });
    }
    let mut outputs = BTreeMap::new();
    for root in drvs {
        let map =
            output_paths(store.store_dir(), root, &plan.drvs[root]).map_err(|e| RealiseError {
                failures: vec![(root.clone(), e)],
                built: s.built.clone(),
            })?;
        outputs.insert(root.clone(), map);
    }
    Ok(Realised {
        outputs,
        built: s.built,
    })
}

/// Builds one derivation given whole, whose `.drv` need not be in the store
/// (what the serve protocol's build command sends: the derivation without
/// input derivations, their outputs among `input_srcs`, all of which must
/// be valid). Returns its outputs and whether it was built now (false: they
/// were valid already).
pub fn build_derivation<S: BuildStore + ?Sized>(
    store: &S,
    drv_path: &StorePath,
    drv: xnix_formats::Derivation,
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<(BTreeMap<String, StorePath>, bool), BuildError> {
    if !drv.input_drvs.is_empty() {
        return Err(BuildError::ReadDerivation {
            drv: store.store_dir().full(drv_path),
            reason: "a derivation built by itself has its inputs' outputs among its sources, \
                     not input derivations"
                .to_string(),
        });
    }
    let drvs: BTreeMap<StorePath, xnix_formats::Derivation> = [(drv_path.clone(), drv)].into();
    let ctx = BuildContext {
        store,
        options,
        progress,
        drvs: &drvs,
        machine: Machine::with_extra_platforms(&options.system, &options.extra_platforms).ok(),
        emulator_dirs: std::sync::OnceLock::new(),
    };
    crate::sandbox::remove_stale_scratch_dirs(&store.state_dir().join("builds"));
    progress.on_event(&BuildEvent::Planned {
        to_build: std::slice::from_ref(drv_path),
    });
    match ctx.build_one(drv_path) {
        Ok((outputs, built)) => {
            progress.on_event(&BuildEvent::Finished {
                drv: drv_path,
                outputs: &outputs,
            });
            Ok((outputs, built))
        }
        Err(error) => {
            progress.on_event(&BuildEvent::Failed {
                drv: drv_path,
                error: &error,
            });
            Err(error)
        }
    }
}

struct Schedule {
    ready: VecDeque<StorePath>,
    waiting: BTreeMap<StorePath, usize>,
    running: usize,
    stop: bool,
    built: Vec<StorePath>,
    failures: Vec<(StorePath, BuildError)>,
}
