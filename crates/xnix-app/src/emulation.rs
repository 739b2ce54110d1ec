//! Where emulated builds get their emulator: Debian's qemu-user-static
//! pinned in the collection's lock (`pkgs/debian`, group
//! `qemu-user-static` of the amd64 lock), brought into the store the
//! first time a build needs it, so that emulated builds need nothing
//! installed by hand. The machine's own `/usr/bin/qemu-*-static` is the
//! fallback (xnix-build searches it after these directories).

use std::path::PathBuf;

use anyhow::{bail, Context};
use xnix_build::builder::{BuildOptions, EmulatorSource};
use xnix_store::{LocalStore, LocalStoreConfig};

/// The lock's static qemu for builds in one store.
#[derive(Debug, Clone)]
pub struct LockedQemu {
    store: LocalStoreConfig,
}

impl LockedQemu {
    /// For builds in `store` (the qemu is realised there).
    pub fn for_store(store: &LocalStore) -> LockedQemu {
        LockedQemu {
            store: config_of(store),
        }
    }

    /// Realise the lock's qemu-user-static and return its `usr/bin` (a
    /// physical path).
    pub fn realise(&self) -> anyhow::Result<PathBuf> {
        if xnix_platform::host_double() != "x86_64-linux" {
            bail!(
                "the collection locks qemu-user-static for x86_64 machines only (this one is {})",
                xnix_platform::host_double()
            );
        }
        let pkgs = crate::installable::find_pkgs()
            .context("cannot find the collection's pkgs/ directory (set XNIX_PKGS)")?;
        let config = self.store.clone();
        let expr = format!(
            "(import {}/debian {{ }}).groups.amd64.qemu-user-static",
            pkgs.display()
        );
        // Evaluate and write the derivations on a big stack (the
        // evaluator's need), then build them here.
        let (drv, out) = crate::with_big_stack(move || -> anyhow::Result<(String, String)> {
            let store = LocalStore::open(config).context("opening the store")?;
            let ev = crate::installable::new_evaluator(store.store_dir().as_str(), &[]);
            let failed = |e: xnix_eval::EvalError| anyhow::anyhow!("evaluating {expr}: {e}");
            let attrs = match ev
                .force(ev.eval_expr(&expr, "/").map_err(failed)?)
                .map_err(failed)?
            {
                xnix_eval::Value::Attrs(a) => a,
                _ => bail!("{expr} is not a derivation"),
            };
            let drv = crate::instantiate::drv_path_of(&ev, &attrs).map_err(failed)?;
            let out = attrs.get("outPath").context("no outPath")?.clone();
            let out = ev
                .coerce_to_string(out, xnix_eval::Pos::NONE, false, false)
                .map_err(failed)?
                .s
                .clone();
            crate::objects::write_to_store(&ev, &store, &crate::progress::Silent)?;
            Ok((drv, out))
        })?;
        let store = LocalStore::open(self.store.clone()).context("opening the store")?;
        let drv = store.store_dir().parse(&drv)?;
        let options = BuildOptions {
            emulators: None,
            ..BuildOptions::default()
        };
        crate::realise::realise(&store, &[drv], &options, &crate::progress::Silent)
            .map_err(|e| anyhow::anyhow!("building the lock's qemu-user-static: {e}"))?;
        let out = store.store_dir().parse(&out)?;
        Ok(store.real_path(&out).join("usr/bin"))
    }
}

impl EmulatorSource for LockedQemu {
    fn static_qemu_dirs(&self) -> Result<Vec<PathBuf>, String> {
        self.realise()
            .map(|d| vec![d])
            .map_err(|e| format!("{e:#}"))
    }
}

/// The configuration `store` was opened with (its logical directory, the
/// physical root it lives under, its state directory).
fn config_of(store: &LocalStore) -> LocalStoreConfig {
    let logical = store.store_dir().as_str().trim_start_matches('/');
    let real = store.real_store_dir();
    let root = real
        .to_str()
        .and_then(|r| r.strip_suffix(logical))
        .map(|r| PathBuf::from(if r.is_empty() { "/" } else { r }))
        .unwrap_or_else(|| PathBuf::from("/"));
    LocalStoreConfig {
        store_dir: Some(store.store_dir().clone()),
        root: Some(root),
        state_dir: Some(store.state_dir().to_path_buf()),
        fsync: false,
    }
}
