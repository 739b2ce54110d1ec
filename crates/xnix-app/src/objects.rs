//! Writing what an evaluation recorded into the store.
//!
//! The evaluator computes paths without writing anything; it records what it
//! computed ([`xnix_eval::Evaluator::store_objects`],
//! [`xnix_eval::Evaluator::derivations`]), and this module writes those
//! objects afterwards, checking that the store arrives at the same paths.
//! Downloads (`builtins.fetchurl`, `builtins.fetchTarball`) are fetched here,
//! and tarballs unpacked in-process.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context};
use xnix_eval::store::StoreObject;
use xnix_eval::Evaluator;
use xnix_formats::{ContentAddressMethod, Derivation, HashAlgo, StorePath};
use xnix_fs::FileKind;
use xnix_store::LocalStore;

use crate::progress::{Event, Reporter};

/// Write every source, text and derivation the evaluation computed into the
/// store (sources, then texts in creation order, then derivations inputs
/// first), checking that each lands at the path the evaluator computed.
/// Every path is made a temporary root of this process first, so a
/// concurrent garbage collection keeps it.
pub fn write_to_store(
    ev: &Evaluator,
    store: &LocalStore,
    reporter: &dyn Reporter,
) -> anyhow::Result<()> {
    let sd = store.store_dir().clone();
    for object in ev.store_objects() {
        match object {
            StoreObject::Source {
                src,
                name,
                recursive,
                rejected,
                path,
            } => {
                let expected = sd.parse(&path)?;
                store.add_temp_root(&expected)?;
                if store.is_valid_path(&expected)? {
                    continue;
                }
                let method = if recursive {
                    ContentAddressMethod::Recursive
                } else {
                    ContentAddressMethod::Flat
                };
                let mut filter = |p: &Path, _: FileKind| !rejected.contains(&*p.to_string_lossy());
                let (got, _) = store
                    .add_to_store_filtered(
                        &name,
                        Path::new(&src),
                        method,
                        HashAlgo::Sha256,
                        &mut filter,
                    )
                    .with_context(|| format!("copying '{src}' to the store"))?;
                if got != expected {
                    bail!(
                        "copying '{src}' to the store gave '{}', but evaluation computed '{path}' (did it change during evaluation?)",
                        store.print_path(&got)
                    );
                }
            }
            StoreObject::Download {
                url,
                name,
                sha256,
                unpack,
                path,
            } => {
                let expected = sd.parse(&path)?;
                store.add_temp_root(&expected)?;
                if !store.is_valid_path(&expected)? {
                    reporter.event(&Event::Fetching {
                        url: &url,
                        path: &expected,
                    });
                    download(store, &url, &name, &sha256, unpack, &expected)?;
                }
            }
            StoreObject::Text {
                name,
                contents,
                references,
                path,
            } => {
                let refs = references
                    .iter()
                    .map(|r| sd.parse(r))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let got = store
                    .add_text_to_store(&name, &contents, &refs)
                    .with_context(|| format!("writing '{path}'"))?;
                if store.print_path(&got) != path {
                    bail!(
                        "writing '{name}' gave '{}', not '{path}'",
                        store.print_path(&got)
                    );
                }
            }
        }
    }
    let drvs: BTreeMap<String, Derivation> = ev.derivations().into_iter().collect();
    let mut written = BTreeSet::new();
    for path in drvs.keys() {
        write_drv(store, &drvs, path, &mut written)?;
    }
    Ok(())
}

fn write_drv(
    store: &LocalStore,
    drvs: &BTreeMap<String, Derivation>,
    path: &str,
    written: &mut BTreeSet<String>,
) -> anyhow::Result<()> {
    // Iterative depth-first walk: derivation graphs can be deep.
    let mut stack: Vec<(String, bool)> = vec![(path.to_string(), false)];
    while let Some((p, inputs_done)) = stack.pop() {
        if written.contains(&p) {
            continue;
        }
        let Some(drv) = drvs.get(&p) else { continue };
        if !inputs_done {
            stack.push((p.clone(), true));
            for input in drv.input_drvs.keys() {
                let ip = store.print_path(input);
                if !written.contains(&ip) {
                    stack.push((ip, false));
                }
            }
            continue;
        }
        // Already written (e.g. a rebuild): skip printing and hashing it again.
        let known = store.store_dir().parse(&p)?;
        store.add_temp_root(&known)?;
        if store.is_valid_path(&known)? {
            written.insert(p);
            continue;
        }
        let got = store
            .add_derivation(drv)
            .with_context(|| format!("writing derivation '{p}'"))?;
        if store.print_path(&got) != p {
            bail!(
                "writing derivation '{}' gave '{}', not '{p}'",
                drv.name,
                store.print_path(&got)
            );
        }
        written.insert(p);
    }
    Ok(())
}

/// Fetch a `builtins.fetchurl` / `fetchTarball` download into the store at
/// `expected`, verifying it against the declared SHA-256.
fn download(
    store: &LocalStore,
    url: &str,
    name: &str,
    sha256: &xnix_formats::Hash,
    unpack: bool,
    expected: &StorePath,
) -> anyhow::Result<()> {
    use xnix_build::fetch::{fetch_to_store, FetchOptions, MirrorTable};
    let mirrors = MirrorTable::from_system().context("reading the mirror table")?;
    let options = FetchOptions::default();
    if !unpack {
        let (got, _) = fetch_to_store(
            store,
            name,
            url,
            ContentAddressMethod::Flat,
            Some(sha256),
            false,
            &mirrors,
            &options,
        )
        .with_context(|| format!("fetching '{url}'"))?;
        if &got != expected {
            bail!(
                "fetching '{url}' gave '{}', not '{}'",
                store.print_path(&got),
                store.print_path(expected)
            );
        }
        return Ok(());
    }
    // A tarball: fetched as it is, unpacked, and its single top-level directory (or the
    // whole tree if there are several entries) added as the source, as Nix does.
    let (tarball, _) = fetch_to_store(
        store,
        &format!("{name}.tar"),
        url,
        ContentAddressMethod::Flat,
        None,
        false,
        &mirrors,
        &options,
    )
    .with_context(|| format!("fetching '{url}'"))?;
    let scratch = tempfile::tempdir().context("making a directory to unpack into")?;
    xnix_fs::archive::unpack_tar(&store.real_path(&tarball), scratch.path())
        .with_context(|| format!("unpacking the download of '{url}'"))?;
    let entries: Vec<_> = std::fs::read_dir(scratch.path())?.collect::<Result<_, _>>()?;
    let root = match entries.as_slice() {
        [one] if one.file_type()?.is_dir() => one.path(),
        _ => scratch.path().to_path_buf(),
    };
    let added = store.add_to_store(name, &root);
    // Unpacked directories may be read-only: remove the tree ourselves.
    let _ = xnix_fs::ops::remove_tree(scratch.path());
    let got = added?;
    if &got != expected {
        bail!(
            "hash mismatch in '{url}': unpacked, it is '{}', but sha256 {} declares '{}'",
            store.print_path(&got),
            sha256.to_sri(),
            store.print_path(expected)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use crate::{EvalRequest, Installable, Session};
    use xnix_store::local::LocalStoreConfig;

    #[test]
    fn recorded_objects_land_at_the_evaluated_paths() {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("src");
        std::fs::create_dir(&src).unwrap();
        std::fs::write(src.join("a.txt"), "a\n").unwrap();
        let store = LocalStore::open(LocalStoreConfig {
            root: Some(root.path().join("root")),
            ..Default::default()
        })
        .unwrap();
        let expr = format!(
            r#"derivation {{ name = "x"; system = "x86_64-linux"; builder = "/bin/sh";
                 src = {}; text = builtins.toFile "t.txt" "hello"; }}"#,
            src.display()
        );
        xnix_eval::with_big_stack(move || {
            let session = Session::new(
                store.store_dir().as_str(),
                EvalRequest::new(Installable::Exprs(vec![expr])),
            )
            .unwrap();
            let selected = crate::instantiate::instantiate(&session, &store, &Silent).unwrap();
            assert_eq!(selected.len(), 1);
            assert_eq!(selected[0].output, "out");
            let drv = crate::instantiate::parse_drv(&store, &selected[0].drv_path).unwrap();
            assert!(store.is_valid_path(&drv).unwrap());
            let read = store.read_derivation(&drv).unwrap();
            // The source and the text the derivation uses are valid too.
            assert_eq!(read.input_srcs.len(), 2);
            for input in &read.input_srcs {
                assert!(store.is_valid_path(input).unwrap(), "{input:?}");
            }
            // Writing again finds everything there.
            super::write_to_store(session.evaluator(), &store, &Silent).unwrap();
        });
    }
}
