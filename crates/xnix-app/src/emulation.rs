//! Where emulated builds get their emulator: Debian's qemu-user-static
//! pinned in the collection's lock (`pkgs/debian`, group
//! `qemu-user-static` of the amd64 lock), brought into the store the
//! first time a build needs it, so that emulated builds need nothing
//! installed by hand. The machine's own `/usr/bin/qemu-*-static` is the
//! fallback (xnix-build searches it after these directories).

use std::path::{Path, PathBuf};

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

/// The machine's global binfmt_misc (of the initial user namespace).
const GLOBAL_BINFMT: &str = "/proc/sys/fs/binfmt_misc";

/// One system's emulation on this machine, for `xnix emulation status`
/// and `xnix doctor`.
#[derive(Debug, Clone)]
pub struct SystemEmulation {
    /// The system (`aarch64-linux`).
    pub system: String,
    /// `native`, `per-build` (registered in each build's own binfmt_misc),
    /// `global` (the machine's binfmt_misc has it, xnix's entry or
    /// another's) or `no`.
    pub builds: &'static str,
    /// The static qemu builds would use, if one was found.
    pub qemu: Option<PathBuf>,
    /// The machine's global binfmt_misc entry for it, if any.
    pub global_entry: Option<String>,
    /// Why it is not built here, when it is not.
    pub reason: Option<String>,
}

/// Whether this kernel gives each user namespace its own binfmt_misc
/// instance (Linux 6.7 and later), so builds can register emulators for
/// themselves only.
pub fn per_build_binfmt_supported() -> bool {
    xnix_build::binfmt::per_namespace_binfmt()
}

/// The entries of the global binfmt_misc, by name, with the interpreter
/// and ELF machine they handle (as its files say).
pub fn global_entries() -> Vec<(String, String)> {
    let Ok(dir) = std::fs::read_dir(GLOBAL_BINFMT) else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = dir
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "register" || name == "status" {
                return None;
            }
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((name, text))
        })
        .collect();
    found.sort();
    found
}

/// The global entry that runs `qemu_arch` programs (its `interpreter`
/// names `qemu-<arch>`), if any.
fn global_entry_for(entries: &[(String, String)], qemu_arch: &str) -> Option<String> {
    let wanted = format!("qemu-{qemu_arch}");
    entries
        .iter()
        .find(|(name, text)| {
            text.lines().any(|l| {
                l.strip_prefix("interpreter ").is_some_and(|i| {
                    let base = i.rsplit('/').next().unwrap_or(i);
                    base == wanted || base == format!("{wanted}-static")
                })
            }) && text.lines().next() == Some("enabled")
                || *name == format!("xnix-qemu-{qemu_arch}")
        })
        .map(|(name, _)| name.clone())
}

/// How each Linux system qemu-user knows is built on this machine.
pub fn status(qemu_dirs: &[PathBuf]) -> anyhow::Result<Vec<SystemEmulation>> {
    let machine = crate::host::machine()?;
    let entries = global_entries();
    let per_build = per_build_binfmt_supported();
    let mut dirs: Vec<PathBuf> = qemu_dirs.to_vec();
    dirs.extend(
        xnix_build::binfmt::STATIC_QEMU_DIRS
            .iter()
            .map(PathBuf::from),
    );
    let mut out = Vec::new();
    for system in linux_systems() {
        if machine.runs_natively(&system) {
            out.push(SystemEmulation {
                system,
                builds: "native",
                qemu: None,
                global_entry: None,
                reason: None,
            });
            continue;
        }
        let (builds, qemu, global_entry, reason) =
            match xnix_build::binfmt::Emulation::for_system_in(&system, &machine, &dirs) {
                Ok(e) => {
                    let global = global_entry_for(&entries, e.qemu_arch());
                    let builds = if per_build {
                        "per-build"
                    } else if global.is_some() {
                        "global"
                    } else {
                        "no"
                    };
                    let reason = (builds == "no").then(|| {
                        "this kernel has no per-user-namespace binfmt_misc (Linux 6.7+): \
                         register the emulator globally with `xnix emulation enable`"
                            .to_string()
                    });
                    (builds, Some(e.qemu().to_path_buf()), global, reason)
                }
                Err(e) => ("no", None, None, Some(e.to_string())),
            };
        out.push(SystemEmulation {
            system,
            builds,
            qemu,
            global_entry,
            reason,
        });
    }
    Ok(out)
}

/// The `*-linux` systems of the platform catalogue, sorted.
fn linux_systems() -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for entry in xnix_platform::catalogue() {
        let Ok(platform) = xnix_platform::elaborate(&entry.args) else {
            continue;
        };
        let double = platform.system().to_string();
        if double.ends_with("-linux") && !found.contains(&double) {
            found.push(double);
        }
    }
    found.sort();
    found
}

/// Register `systems`' static qemus in the machine's global binfmt_misc
/// (mounting it if need be), as entries `xnix-qemu-<arch>`: for kernels
/// without per-build binfmt_misc. Every program of those systems on this
/// machine then runs emulated, until [`disable`]. Returns the entries
/// written.
pub fn enable(systems: &[String], qemu_dirs: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let machine = crate::host::machine()?;
    mount_global()?;
    let mut dirs: Vec<PathBuf> = qemu_dirs.to_vec();
    dirs.extend(
        xnix_build::binfmt::STATIC_QEMU_DIRS
            .iter()
            .map(PathBuf::from),
    );
    let mut written = Vec::new();
    for system in systems {
        let e = xnix_build::binfmt::Emulation::for_system_in(system, &machine, &dirs)?;
        let entry = Path::new(GLOBAL_BINFMT).join(e.entry_name());
        if entry.exists() {
            written.push(e.entry_name());
            continue;
        }
        std::fs::write(Path::new(GLOBAL_BINFMT).join("register"), e.register_line()).with_context(
            || {
                format!(
                    "registering {} in {GLOBAL_BINFMT} (needs root)",
                    e.qemu().display()
                )
            },
        )?;
        written.push(e.entry_name());
    }
    Ok(written)
}

/// Remove xnix's global entries (`xnix-qemu-*`) for `systems`, or all of
/// them for none; other entries are left alone. Returns those removed.
pub fn disable(systems: &[String]) -> anyhow::Result<Vec<String>> {
    let machine = crate::host::machine()?;
    let mut wanted: Vec<String> = Vec::new();
    for system in systems {
        match machine.execution_of(system)? {
            xnix_platform::Emulator::Program(p) if p.starts_with("qemu-") => {
                wanted.push(format!("xnix-{p}"))
            }
            other => bail!("'{system}' is not emulated by qemu-user here ({other})"),
        }
    }
    let mut removed = Vec::new();
    for (name, _) in global_entries() {
        if name.starts_with("xnix-qemu-") && (wanted.is_empty() || wanted.contains(&name)) {
            std::fs::write(Path::new(GLOBAL_BINFMT).join(&name), "-1")
                .with_context(|| format!("removing {GLOBAL_BINFMT}/{name} (needs root)"))?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// Mount the global binfmt_misc when it is not (as systemd would).
fn mount_global() -> anyhow::Result<()> {
    if Path::new(GLOBAL_BINFMT).join("register").exists() {
        return Ok(());
    }
    xnix_build::binfmt::mount_binfmt_misc(Path::new(GLOBAL_BINFMT))
        .with_context(|| format!("mounting binfmt_misc on {GLOBAL_BINFMT} (needs root)"))
}
