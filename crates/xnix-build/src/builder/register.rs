//! Registering a build's outputs: canonicalise, scan references, check
//! fixed-output hashes and reference constraints, then register all at once.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use xnix_formats::{ContentAddressMethod, Derivation, FixedOutputHash, Hash, HashAlgo, StorePath};
use xnix_fs::ops::{io_err, FsError};
use xnix_store::local::canonicalise_metadata;
use xnix_store::{LocalStore, LocalStoreError};

use super::build_one::BuildContext;
use super::plan::store_err;
use super::{BuildError, BuildStore, OutputRegistration};

impl<S: BuildStore + ?Sized> BuildContext<'_, S> {
    /// Canonicalises, scans, verifies and registers the outputs now at
    /// their final place.
    pub(super) fn register(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        already: &BTreeSet<StorePath>,
        closure: &BTreeSet<StorePath>,
    ) -> Result<(), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let shown = sd.full(drv_path);
        let candidates: BTreeSet<StorePath> =
            closure.iter().chain(outputs.values()).cloned().collect();
        let mut infos = Vec::new();
        for (name, path) in outputs.iter().filter(|(_, p)| !already.contains(*p)) {
            let rp = store.real_path(path);
            let finish_err = |source| BuildError::FinishOutput {
                drv: shown.clone(),
                output: sd.full(path),
                source: Box::new(source),
            };
            canonicalise_metadata(&rp).map_err(finish_err)?;
            let (nar_hash, nar_size, references) =
                LocalStore::hash_and_scan(&rp, &candidates).map_err(finish_err)?;
            let fixed = drv.outputs[name].fixed.as_ref();
            if let Some(fixed) = fixed {
                let actual = fixed_output_hash(&rp, fixed, &nar_hash).map_err(|e| match e {
                    FixedHashError::Store(source) => finish_err(source),
                    FixedHashError::NotRegular => BuildError::FlatOutputNotRegular {
                        drv: shown.clone(),
                        output: sd.full(path),
                    },
                })?;
                if actual != fixed.hash {
                    return Err(BuildError::OutputHashMismatch {
                        drv: shown,
                        expected: fixed.hash.clone(),
                        actual,
                    });
                }
                if !references.is_empty() {
                    return Err(BuildError::FixedOutputReferences {
                        drv: shown,
                        paths: references
                            .iter()
                            .map(|p| sd.print(p))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            infos.push(OutputRegistration {
                path: path.clone(),
                nar_hash,
                nar_size,
                references,
                deriver: Some(drv_path.clone()),
                ca: fixed.map(FixedOutputHash::to_ca_string),
            });
        }
        self.check_reference_constraints(drv_path, drv, outputs, &infos)?;
        store
            .register_outputs(&infos)
            .map_err(store_err(sd, drv_path))
    }

    /// Nix's `allowedReferences`, `allowedRequisites`,
    /// `disallowedReferences` and `disallowedRequisites`: each a list of
    /// store paths or output names; an absent attribute means no check.
    fn check_reference_constraints(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        infos: &[OutputRegistration],
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let shown = sd.full(drv_path);
        let own: BTreeMap<&StorePath, &BTreeSet<StorePath>> =
            infos.iter().map(|i| (&i.path, &i.references)).collect();
        for (attr, recursive, allowed) in [
            ("allowedReferences", false, true),
            ("allowedRequisites", true, true),
            ("disallowedReferences", false, false),
            ("disallowedRequisites", true, false),
        ] {
            let Some(value) = drv.env.get(attr) else {
                continue;
            };
            let mut spec = BTreeSet::new();
            for word in value.split_whitespace() {
                let path = match outputs.get(word) {
                    Some(p) => p.clone(),
                    None => sd.parse(word).map_err(|_| BuildError::ReadDerivation {
                        drv: shown.clone(),
                        reason: format!(
                            "'{attr}' contains an illegal reference specifier '{word}', expected a \
                             store path or an output name (one of {})",
                            outputs.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    })?,
                };
                spec.insert(path);
            }
            for info in infos {
                let used = if recursive {
                    let mut seen = BTreeSet::new();
                    let mut stack = vec![info.path.clone()];
                    while let Some(p) = stack.pop() {
                        if !seen.insert(p.clone()) {
                            continue;
                        }
                        match own.get(&p) {
                            Some(refs) => stack.extend(refs.iter().cloned()),
                            None => stack.extend(
                                self.store
                                    .query_references(&p)
                                    .map_err(store_err(sd, drv_path))?,
                            ),
                        }
                    }
                    // Legacy (non-structured) checks ignore self-references
                    // in requisites, as Nix does.
                    seen.remove(&info.path);
                    seen
                } else {
                    info.references.clone()
                };
                let bad: Vec<String> = used
                    .iter()
                    .filter(|p| spec.contains(*p) != allowed)
                    .map(|p| sd.print(p))
                    .collect();
                if !bad.is_empty() {
                    return Err(BuildError::ReferenceConstraint {
                        drv: shown,
                        output: sd.full(&info.path),
                        attr: attr.to_string(),
                        paths: bad.join("\n  "),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why a fixed output's hash could not be computed.
enum FixedHashError {
    Store(LocalStoreError),
    NotRegular,
}

fn fixed_output_hash(
    path: &Path,
    fixed: &FixedOutputHash,
    nar_sha256: &Hash,
) -> Result<Hash, FixedHashError> {
    match fixed.method {
        ContentAddressMethod::Recursive if fixed.hash.algo() == HashAlgo::Sha256 => {
            Ok(nar_sha256.clone())
        }
        ContentAddressMethod::Recursive => xnix_fs::nar::nar_hash_with(path, fixed.hash.algo())
            .map(|(h, _)| h)
            .map_err(|e| FixedHashError::Store(e.into())),
        ContentAddressMethod::Flat => {
            let store_err = |e: FsError| FixedHashError::Store(e.into());
            let meta = fs::symlink_metadata(path)
                .map_err(io_err("getting status of", path))
                .map_err(store_err)?;
            if !meta.is_file() || meta.permissions().mode() & 0o111 != 0 {
                return Err(FixedHashError::NotRegular);
            }
            let f = fs::File::open(path)
                .map_err(io_err("reading", path))
                .map_err(store_err)?;
            Hash::digest_reader(fixed.hash.algo(), f)
                .map_err(io_err("hashing", path))
                .map_err(store_err)
        }
    }
}
