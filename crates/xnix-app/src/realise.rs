//! Realising derivations: building (or substituting) them with progress
//! events, and reporting failures as data the program prints.

use std::path::PathBuf;

use anyhow::Context;
use xnix_build::sandbox::{busybox_sandbox_paths, SandboxPath};
pub use xnix_build::substitute::Substituter;
use xnix_formats::StorePath;
use xnix_store::LocalStore;

use crate::progress::{BuildReporter, Reporter};

pub use xnix_build::builder::{BuildOptions, Realised};

/// One derivation that was not realised.
#[derive(Debug)]
pub struct Failure {
    /// The derivation.
    pub drv: StorePath,
    /// Why, as the builder words it (with the log's last lines when it ran).
    pub message: String,
    /// The full build log, when one was written.
    pub log: Option<PathBuf>,
    /// Whether `message` already says where the full log is (a builder that
    /// ran and failed), so it need not be shown again.
    pub message_names_log: bool,
}

/// Every derivation that failed, in the order they failed.
#[derive(Debug)]
pub struct BuildFailures {
    /// The failures.
    pub failures: Vec<Failure>,
}

impl std::fmt::Display for BuildFailures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.failures.as_slice() {
            [one] => f.write_str(&one.message),
            many => write!(f, "{} derivations failed", many.len()),
        }
    }
}

/// Realise `drvs` in `store`, reporting each step to `reporter`.
pub fn realise(
    store: &LocalStore,
    drvs: &[StorePath],
    options: &BuildOptions,
    reporter: &dyn Reporter,
) -> Result<Realised, BuildFailures> {
    // Emulated builds use the lock's qemu-user-static unless told otherwise.
    let with_emulators;
    let options = if options.emulators.is_none() {
        with_emulators = BuildOptions {
            emulators: Some(std::sync::Arc::new(
                crate::emulation::LockedQemu::for_store(store),
            )),
            ..options.clone()
        };
        &with_emulators
    } else {
        options
    };
    xnix_build::builder::realise(store, drvs, options, &BuildReporter(reporter)).map_err(|e| {
        BuildFailures {
            failures: e
                .failures
                .into_iter()
                .map(|(drv, err)| {
                    // A builder that ran and failed carries its log (and names
                    // it in its message); other failures may have left one too.
                    let message_names_log = err.builder_log().is_some();
                    let log = match err.builder_log() {
                        Some(log) => Some(log.to_path_buf()),
                        None => {
                            let log = xnix_build::builder::build_log_path(store.state_dir(), &drv);
                            log.exists().then_some(log)
                        }
                    };
                    Failure {
                        message: err.to_string(),
                        drv,
                        log,
                        message_names_log,
                    }
                })
                .collect(),
        }
    })
}

/// The default sandbox paths (busybox as `/bin/sh` and `/bin/busybox`) plus the
/// `--sandbox-path` specs given (Nix's `sandbox-paths` syntax).
pub fn sandbox_paths(extra: &[String]) -> anyhow::Result<Vec<SandboxPath>> {
    let mut paths = busybox_sandbox_paths();
    if let Some(sh) = paths.first().cloned() {
        paths.push(SandboxPath {
            inside: "/bin/busybox".into(),
            host: sh.host,
            optional: false,
        });
    }
    for spec in extra {
        paths.push(SandboxPath::parse(spec).with_context(|| format!("in --sandbox-path {spec}"))?);
    }
    Ok(paths)
}

/// Binary caches (`file:///DIR`, `http(s)://...`) to substitute from, each
/// trusting every key in `trusted_keys` (`NAME:BASE64`, or files holding one).
pub fn substituters(urls: &[String], trusted_keys: &[String]) -> anyhow::Result<Vec<Substituter>> {
    let trusted_keys = crate::cache::parse_trusted_keys(trusted_keys)?;
    Ok(urls
        .iter()
        .filter(|u| !u.trim().is_empty())
        .map(|url| Substituter {
            url: url.clone(),
            trusted_keys: trusted_keys.clone(),
        })
        .collect())
}

/// The remote builders of a `--builders` spec (Nix's machines format:
/// `ssh://HOST SYSTEMS KEY MAXJOBS SPEED FEATURES MANDATORY; ...`, or
/// `@FILE`), for the scheduler; `None` for no spec. Builds sent to them copy
/// their outputs back into the store `store` describes.
pub fn remote_builders(
    spec: Option<&str>,
    store: xnix_store::LocalStoreConfig,
) -> anyhow::Result<Option<std::sync::Arc<dyn xnix_build::builder::RemoteBuilders>>> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let machines = xnix_remote::builders::parse_machines(spec, &xnix_platform::host_double())?;
    Ok(Some(std::sync::Arc::new(
        xnix_remote::builders::Builders::new(
            machines,
            store,
            xnix_remote::ssh::ssh_opts_from_env(),
        ),
    )))
}

/// The build log of `path`: a derivation's own, or for an output path the
/// log of its recorded deriver; `None` when there is none.
pub fn find_build_log(store: &LocalStore, path: &StorePath) -> anyhow::Result<Option<PathBuf>> {
    xnix_build::builder::find_build_log(store, path).map_err(|e| anyhow::anyhow!("{e}"))
}
