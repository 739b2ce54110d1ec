//! Substitution: fetching a derivation's outputs from binary caches instead
//! of building them. The scheduler ([`crate::builder`]) asks before it plans
//! a build; what is fetched goes through `xnix_store::binary_cache`, which
//! checks signatures and hashes before anything is registered. A cache that
//! lacks a path, cannot be reached, or offers it without a trusted
//! signature is skipped with a warning, and the path is built instead.

use std::collections::BTreeSet;

use xnix_formats::signing::PublicKey;
use xnix_formats::{StoreDir, StorePath};
use xnix_store::binary_cache::{BinaryCache, BinaryCacheError, PullOptions};
use xnix_store::LocalStore;

use crate::http_cache::HttpBackend;

/// A binary cache to substitute from (Nix's `substituters` entry) and the
/// keys whose signatures make its paths acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituter {
    /// `file:///DIR` or `http(s)://...`.
    pub url: String,
    /// Keys whose signatures are accepted (Nix's `trusted-public-keys`).
    pub trusted_keys: Vec<PublicKey>,
}

impl Substituter {
    /// Open the cache for reading.
    pub fn open(&self, store_dir: &StoreDir) -> Result<BinaryCache, BinaryCacheError> {
        open_cache_for_reading(&self.url, store_dir)
    }
}

/// Open a binary cache for reading: `file://DIR` or `http(s)://...`.
pub fn open_cache_for_reading(
    url: &str,
    store_dir: &StoreDir,
) -> Result<BinaryCache, BinaryCacheError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        BinaryCache::open(Box::new(HttpBackend::new(url)?), store_dir)
    } else {
        BinaryCache::open_url(url, store_dir, false)
    }
}

/// What [`substitute_paths`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubstituteOutcome {
    /// Paths now valid that were fetched, with the cache each came from
    /// (references included, references first).
    pub substituted: Vec<(StorePath, String)>,
    /// Caches that could not supply the paths, and why.
    pub warnings: Vec<String>,
}

/// Try to make `paths` valid by copying them (with their closures) from
/// `substituters`, in order. Stops at the first cache that supplies them
/// all; a cache without a path is not an error, and one that fails is
/// reported in the outcome's warnings.
pub fn substitute_paths(
    store: &LocalStore,
    paths: &BTreeSet<StorePath>,
    substituters: &[Substituter],
) -> SubstituteOutcome {
    let mut outcome = SubstituteOutcome::default();
    let sd = store.store_dir();
    for sub in substituters {
        let mut missing = BTreeSet::new();
        for p in paths {
            match store.is_valid_path(p) {
                Ok(true) => {}
                Ok(false) => {
                    missing.insert(p.clone());
                }
                Err(e) => {
                    outcome.warnings.push(e.to_string());
                    return outcome;
                }
            }
        }
        if missing.is_empty() {
            break;
        }
        let cache = match sub.open(sd) {
            Ok(c) => c,
            Err(e) => {
                outcome
                    .warnings
                    .push(format!("substituter '{}' skipped: {e}", sub.url));
                continue;
            }
        };
        // A cache that simply lacks a path is the common case: no warning.
        let mut all_there = true;
        for p in &missing {
            match cache.has_path(p) {
                Ok(true) => {}
                Ok(false) => all_there = false,
                Err(e) => {
                    outcome
                        .warnings
                        .push(format!("substituter '{}' skipped: {e}", sub.url));
                    all_there = false;
                }
            }
        }
        if !all_there {
            continue;
        }
        let options = PullOptions {
            trusted_keys: sub.trusted_keys.clone(),
            no_check_sigs: false,
        };
        match cache.pull(store, &missing, &options, &mut |_| {}) {
            Ok(report) => outcome
                .substituted
                .extend(report.copied.into_iter().map(|p| (p, cache.url()))),
            Err(e) => outcome.warnings.push(format!(
                "cannot substitute from '{}', building instead: {e}",
                sub.url
            )),
        }
    }
    outcome
}
