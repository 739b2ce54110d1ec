//! Copying closures between the local store and a serve-protocol server:
//! the whole closure, only what the other side lacks, references first, each
//! NAR checked by the receiving store before it registers the path.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use xnix_formats::StorePath;
use xnix_store::binary_cache::{references_first, CopyEvent, CopyReport};
use xnix_store::LocalStore;

use crate::{RemoteError, ServeClient};

/// How to copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyOptions {
    /// The receiving server first fetches what it can of the missing paths
    /// from its own binary caches (`--use-substitutes`); only the rest
    /// travels over the connection.
    pub use_substitutes: bool,
}

/// Copy `paths` and their closure from `store` to the server of `client`.
/// The server verifies each NAR (hash and size) and registers a path only
/// after its references; paths it has are not sent.
pub fn copy_to(
    store: &LocalStore,
    client: &mut ServeClient,
    paths: &BTreeSet<StorePath>,
    options: &CopyOptions,
    progress: &mut dyn FnMut(CopyEvent),
) -> crate::Result<CopyReport> {
    let closure = store.closure(paths)?;
    progress(CopyEvent::Planned {
        total: closure.len(),
    });
    let present = client.query_valid_paths(&closure, false, options.use_substitutes)?;
    let mut infos = BTreeMap::new();
    let mut refs = BTreeMap::new();
    for p in closure.difference(&present) {
        let info = store
            .query_path_info(p)?
            .ok_or_else(|| xnix_store::LocalStoreError::NotValid(store.full_path(p)))?;
        refs.insert(p.clone(), info.references.clone());
        infos.insert(p.clone(), info);
    }
    let order = references_first(&refs);
    let mut report = CopyReport::default();
    for p in &present {
        progress(CopyEvent::Present { path: p.clone() });
        report.present.push(p.clone());
    }
    transfer(&order, &infos, &mut report, progress, |p, info| {
        client.add_to_store_nar(info, |w| store.export_nar(p, w))?;
        Ok(info.nar_size)
    })?;
    Ok(report)
}

/// Copy `paths` and their closure from the server of `client` into `store`.
/// Metadata of every missing path is fetched first (a path the server lacks
/// fails the copy before anything is transferred); NARs then arrive
/// references first and each is checked against its announced hash and size
/// before the path is registered.
pub fn copy_from(
    store: &LocalStore,
    client: &mut ServeClient,
    paths: &BTreeSet<StorePath>,
    progress: &mut dyn FnMut(CopyEvent),
) -> crate::Result<CopyReport> {
    let remote_valid = client.query_valid_paths(paths, true, false)?;
    if let Some(p) = paths.difference(&remote_valid).next() {
        return Err(RemoteError::Peer {
            peer: client.peer().to_string(),
            message: format!("path '{}' is not valid there", store.print_path(p)),
        });
    }
    let closure = client.query_closure(paths, false)?;
    progress(CopyEvent::Planned {
        total: closure.len(),
    });
    let mut report = CopyReport::default();
    let mut missing = BTreeSet::new();
    for p in &closure {
        if store.is_valid_path(p)? {
            progress(CopyEvent::Present { path: p.clone() });
            report.present.push(p.clone());
        } else {
            missing.insert(p.clone());
        }
    }
    let infos = client.query_path_infos(&missing)?;
    if let Some(p) = missing.iter().find(|p| !infos.contains_key(*p)) {
        return Err(RemoteError::Peer {
            peer: client.peer().to_string(),
            message: format!(
                "path '{}' is in the closure but not valid there",
                store.print_path(p)
            ),
        });
    }
    let refs: BTreeMap<StorePath, BTreeSet<StorePath>> = infos
        .iter()
        .map(|(p, i)| (p.clone(), i.references.clone()))
        .collect();
    let order = references_first(&refs);
    transfer(&order, &infos, &mut report, progress, |p, info| {
        client.dump_path(p, |nar| store.import_nar(info, nar))??;
        Ok(info.nar_size)
    })?;
    Ok(report)
}

/// Copy `paths` and their closure from one server straight to another
/// (`--build-host` to `--target-host`), each NAR streamed through this
/// machine without being stored here; the receiving server checks each one.
pub fn copy_between(
    from: &mut ServeClient,
    to: &mut ServeClient,
    paths: &BTreeSet<StorePath>,
    options: &CopyOptions,
    progress: &mut dyn FnMut(CopyEvent),
) -> crate::Result<CopyReport> {
    let closure = from.query_closure(paths, false)?;
    progress(CopyEvent::Planned {
        total: closure.len(),
    });
    let present = to.query_valid_paths(&closure, false, options.use_substitutes)?;
    let missing: BTreeSet<StorePath> = closure.difference(&present).cloned().collect();
    let infos = from.query_path_infos(&missing)?;
    if let Some(p) = missing.iter().find(|p| !infos.contains_key(*p)) {
        return Err(RemoteError::Peer {
            peer: from.peer().to_string(),
            message: format!(
                "path '{}' is in the closure but not valid there",
                from.store_dir().print(p)
            ),
        });
    }
    let refs: BTreeMap<StorePath, BTreeSet<StorePath>> = infos
        .iter()
        .map(|(p, i)| (p.clone(), i.references.clone()))
        .collect();
    let order = references_first(&refs);
    let mut report = CopyReport {
        present: present.into_iter().collect(),
        ..Default::default()
    };
    transfer(&order, &infos, &mut report, progress, |p, info| {
        // Exactly the announced size is passed on; the receiver checks the hash.
        from.dump_path(p, |nar| {
            to.add_to_store_nar(info, |w| {
                let n = std::io::copy(&mut nar.take(info.nar_size), w)?;
                if n == info.nar_size {
                    Ok(())
                } else {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("the NAR ended after {n} of {} bytes", info.nar_size),
                    ))
                }
            })
        })??;
        Ok(info.nar_size)
    })?;
    Ok(report)
}

/// Send the paths of `order` (references first) one by one with `send`,
/// which returns the NAR size it moved, reporting each to `progress` and
/// recording it in `report`.
fn transfer<I>(
    order: &[StorePath],
    infos: &BTreeMap<StorePath, I>,
    report: &mut CopyReport,
    progress: &mut dyn FnMut(CopyEvent),
    mut send: impl FnMut(&StorePath, &I) -> crate::Result<u64>,
) -> crate::Result<()> {
    for (i, p) in order.iter().enumerate() {
        progress(CopyEvent::Copying {
            path: p.clone(),
            index: i + 1,
            of: order.len(),
        });
        let nar_size = send(p, &infos[p])?;
        progress(CopyEvent::Copied {
            path: p.clone(),
            nar_size,
            file_size: nar_size,
        });
        report.copied.push(p.clone());
    }
    Ok(())
}
