//! `doctor`: what this machine can build and run, for every platform of
//! the catalogue, and what to install for the rest.
//!
//! A set whose stdenv is pure takes its toolchain from the collection's lock
//! of Debian packages: its compiler wrapper names the root its builders run
//! in (`__xnixRoot`, a tree of locked `.deb`s), and doctor reports whether
//! that root, or which of its `.deb`s, is in the store, and how big
//! ([`LockedToolchain`]); nothing of dpkg counts. For a set still on the
//! build machine's compilers, which Debian packages a target needs is the
//! package collection's knowledge (its toolchain table,
//! pkgs/stdenv/toolchains.nix): for each catalogue name the evaluator reads
//! `pkgsCross.<name>.xnixToolchainStatus`, plain data (`{ known; available;
//! install; reason; ... }`) that says whether the toolchain of that set's
//! stdenv is usable here and what to install otherwise. Running is xnix-platform's `canExecute` and emulator choice,
//! checked against the programs installed here. The program formats the
//! [`Report`]; nothing here prints.

mod checks;
pub mod toolchains;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as Json;
use xnix_eval::{Pos, Value};
use xnix_platform::{Emulator, Machine, Platform};

use crate::host::{emulator_apt_packages, find_emulator, installed_debs};
use crate::installable::{find_pkgs, new_evaluator};

/// One basic check of the machine.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its short name (`store`, `sandbox`, ...).
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, and what to do when it failed.
    pub detail: String,
}

/// A pure set's toolchain: the root of locked `.deb`s its builders run in,
/// as the store has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedToolchain {
    /// The root's store path.
    pub root: String,
    /// Its NAR size when it is in the store.
    pub root_size: Option<u64>,
    /// How many `.deb`s it is made of.
    pub debs: usize,
    /// Their size in bytes (what a first build downloads when none is there).
    pub deb_bytes: u64,
    /// How many of them are in the store.
    pub fetched_debs: usize,
    /// The size of those.
    pub fetched_bytes: u64,
}

impl LockedToolchain {
    /// Whether a build needs nothing downloaded for it.
    pub fn is_fetched(&self) -> bool {
        self.root_size.is_some() || self.fetched_debs == self.debs
    }
}

/// Why building for a target does or does not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildStatus {
    /// The toolchain and its packages are there.
    Ok,
    /// The toolchain comes from the lock (fetched on first use).
    Locked(LockedToolchain),
    /// The collection knows a toolchain; these Debian packages are missing.
    MissingPackages(Vec<String>),
    /// The collection has no toolchain for the platform.
    NoToolchain,
    /// Evaluation failed otherwise (no collection, unsupported platform, ...).
    Error,
}

/// How programs for a target run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// This machine runs them itself.
    Native,
    /// Through this installed emulator.
    Emulated(String),
    /// The emulator exists in Debian but is not installed.
    EmulatorMissing {
        /// The emulator program.
        program: String,
        /// The Debian packages that bring it.
        install: Vec<String>,
    },
    /// The emulator Debian does not package, or nothing runs them.
    Impossible(String),
}

/// What works for one platform of the catalogue.
#[derive(Debug, Clone)]
pub struct Target {
    /// The catalogue name (`pkgsCross.<name>`).
    pub name: String,
    /// Its triple ("" when it does not elaborate).
    pub config: String,
    /// Its system double ("" when it does not elaborate).
    pub system: String,
    /// Whether building for it works.
    pub build: BuildStatus,
    /// The collection's reason when it does not ("" when it builds).
    pub build_detail: String,
    /// What builds but may not run where users expect (the collection's
    /// `caveat`, "" when none): shown with the target whatever its status.
    pub caveat: String,
    /// How its programs run here.
    pub run: RunStatus,
}

impl Target {
    /// Whether building for it works here.
    pub fn can_build(&self) -> bool {
        matches!(self.build, BuildStatus::Ok | BuildStatus::Locked(_))
    }

    /// Whether its programs run here (natively or through an installed emulator).
    pub fn can_run(&self) -> bool {
        matches!(self.run, RunStatus::Native | RunStatus::Emulated(_))
    }
}

/// What the collection says about building for one catalogue name: the status,
/// its detail and the caveat ("" when none).
type BuildReport = (BuildStatus, String, String);

/// The root of locked `.deb`s a pure set's compiler runs in, with the
/// store paths of those `.deb`s; None for a set on the build machine's
/// compilers (or whose compiler does not evaluate: its status says why).
fn locked_root(ev: &xnix_eval::Evaluator, set: Value) -> Option<(String, Vec<String>)> {
    let cc = ["stdenv", "cc"]
        .iter()
        .try_fold(set, |v, part| ev.select_attr(v, part, Pos::NONE))
        .and_then(|v| ev.force(v))
        .ok()?;
    let Value::Attrs(attrs) = cc else {
        return None;
    };
    let root = attrs.get("__xnixRoot")?.clone();
    let json = |v: Value| -> Option<Json> {
        let text = ev.to_json(v, Pos::NONE, false, &mut Vec::new()).ok()?;
        serde_json::from_str(&text).ok()
    };
    let path = json(root.clone())?.as_str()?.to_string();
    let debs = json(ev.select_attr(root, "debs", Pos::NONE).ok()?)?
        .as_array()?
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    Some((path, debs))
}

/// A pure set's root as this store has it: `size_in_store` gives a path's
/// NAR size when it is valid, `deb_sizes` each locked `.deb`'s size.
pub fn locked_toolchain(
    root: &str,
    debs: &[String],
    size_in_store: &dyn Fn(&str) -> Option<u64>,
    deb_sizes: &std::collections::BTreeMap<String, u64>,
) -> LockedToolchain {
    let mut t = LockedToolchain {
        root: root.to_string(),
        root_size: size_in_store(root),
        debs: debs.len(),
        deb_bytes: 0,
        fetched_debs: 0,
        fetched_bytes: 0,
    };
    for d in debs {
        let size = deb_sizes.get(d).copied().unwrap_or(0);
        t.deb_bytes += size;
        if size_in_store(d).is_some() {
            t.fetched_debs += 1;
            t.fetched_bytes += size;
        }
    }
    t
}

/// A root a pure set's builders run in: its path and its `.deb`s' paths.
type LockedRoot = Option<(String, Vec<String>)>;

/// Build status of every catalogue name, from one evaluation of the
/// collection, with the locked root of each pure set.
fn build_statuses(names: &[String], store_dir: &str) -> Vec<(BuildReport, LockedRoot)> {
    let Some(pkgs_dir) = find_pkgs() else {
        let why = "the package collection was not found (set XNIX_PKGS)".to_string();
        return names
            .iter()
            .map(|_| ((BuildStatus::Error, why.clone(), String::new()), None))
            .collect();
    };
    let ev = new_evaluator(store_dir, &[]);
    let cwd = pkgs_dir.to_string_lossy().into_owned();
    let cross = ev
        .eval_expr("(import <xnixpkgs> { }).pkgsCross", &cwd)
        .and_then(|v| ev.force(v));
    let cross = match cross {
        Ok(c) => c,
        Err(e) => {
            let why = format!(
                "evaluating the package collection: {}",
                first_line(e.message())
            );
            return names
                .iter()
                .map(|_| ((BuildStatus::Error, why.clone(), String::new()), None))
                .collect();
        }
    };
    names
        .iter()
        .map(|name| {
            let root = ev
                .select_attr(cross.clone(), name, Pos::NONE)
                .ok()
                .and_then(|set| locked_root(&ev, set));
            let json = (|| {
                let mut v = cross.clone();
                for part in [name.as_str(), STATUS_ATTR] {
                    v = ev.select_attr(v, part, Pos::NONE)?;
                }
                ev.to_json(v, Pos::NONE, false, &mut Vec::new())
            })();
            let report = match json {
                Ok(text) => match serde_json::from_str(&text) {
                    Ok(status) => {
                        let (build, detail) = from_status(name, &status);
                        (build, detail, caveat_of(&status))
                    }
                    Err(e) => (
                        BuildStatus::Error,
                        format!("pkgsCross.{name}.{STATUS_ATTR} is not JSON data ({e})"),
                        String::new(),
                    ),
                },
                Err(e) => (BuildStatus::Error, first_line(e.message()), String::new()),
            };
            (report, root)
        })
        .collect()
}

/// The attribute of a package set that says whether its stdenv's toolchain is
/// usable on this machine (pkgs/top-level/stage.nix, from toolchains.nix).
const STATUS_ATTR: &str = "xnixToolchainStatus";

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

/// Turn the collection's toolchain status of target `name` into a build
/// status and its detail (the collection's reason, "" when it builds).
fn from_status(name: &str, status: &Json) -> (BuildStatus, String) {
    let malformed = |what: &str| {
        (
            BuildStatus::Error,
            format!("pkgsCross.{name}.{STATUS_ATTR} has no {what}: {status}"),
        )
    };
    let Some(known) = status.get("known").and_then(Json::as_bool) else {
        return malformed("boolean `known`");
    };
    let Some(available) = status.get("available").and_then(Json::as_bool) else {
        return malformed("boolean `available`");
    };
    let reason = first_line(status.get("reason").and_then(Json::as_str).unwrap_or(""));
    let install: Option<Vec<String>> = status
        .get("install")
        .and_then(Json::as_array)
        .and_then(|a| a.iter().map(|p| p.as_str().map(str::to_string)).collect());
    let Some(install) = install else {
        return malformed("list of strings `install`");
    };
    match (known, available) {
        (true, true) => (BuildStatus::Ok, String::new()),
        (false, _) => (BuildStatus::NoToolchain, reason),
        (true, false) if install.is_empty() => (BuildStatus::Error, reason),
        (true, false) => (BuildStatus::MissingPackages(install), reason),
    }
}

/// The collection's caveat for a target (`caveat`, optional): one line.
fn caveat_of(status: &Json) -> String {
    first_line(status.get("caveat").and_then(Json::as_str).unwrap_or(""))
}

fn run_status(
    target: Result<Platform, String>,
    machine: &Machine,
    debs: &BTreeSet<String>,
) -> RunStatus {
    let target = match target {
        Ok(t) => t,
        Err(e) => return RunStatus::Impossible(e),
    };
    match machine.execution(&target) {
        Emulator::Native => RunStatus::Native,
        Emulator::Program(p) => match (find_emulator(&p), emulator_apt_packages(&p)) {
            (Some(_), _) => RunStatus::Emulated(p),
            // The package is there but has no such program (qemu-arc, ...).
            (None, Some(install)) if install.iter().all(|d| debs.contains(*d)) => {
                RunStatus::Impossible(format!(
                    "needs {p}, which the installed {} does not have",
                    install.join(" and ")
                ))
            }
            (None, Some(install)) => RunStatus::EmulatorMissing {
                program: p,
                install: install.into_iter().map(str::to_string).collect(),
            },
            (None, None) => {
                RunStatus::Impossible(format!("needs {p}, which Debian does not package"))
            }
        },
        Emulator::Unavailable => RunStatus::Impossible(format!(
            "no emulator runs {} programs on {}",
            target.system(),
            machine.system()
        )),
    }
}

/// Everything `doctor` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// This machine's system.
    pub build_system: String,
    /// The basic checks, in order.
    pub checks: Vec<Check>,
    /// Every catalogue platform, in catalogue order.
    pub targets: Vec<Target>,
}

impl Report {
    /// Everything to install for what does not work yet (packages that exist in Debian).
    pub fn install(&self) -> Vec<String> {
        let mut all = BTreeSet::new();
        for t in &self.targets {
            if let BuildStatus::MissingPackages(p) = &t.build {
                all.extend(p.iter().cloned());
            }
            if let RunStatus::EmulatorMissing { install, .. } = &t.run {
                all.extend(install.iter().cloned());
            }
        }
        all.into_iter().collect()
    }
}

/// Diagnose this machine for the store whose logical directory is
/// `store_dir`, physically at `physical_store`; `toolchains` (the lock as
/// this store has it) gives a pure set's toolchain its state and sizes.
pub fn diagnose(
    store_dir: &str,
    physical_store: &Path,
    toolchains: Option<&toolchains::ToolchainReport>,
) -> anyhow::Result<Report> {
    let machine = crate::host::machine()?;
    let debs = installed_debs();
    let entries: Vec<xnix_platform::CatalogueEntry> = xnix_platform::catalogue().collect();
    let names: Vec<String> = entries.iter().map(|e| e.name.to_string()).collect();
    let statuses = build_statuses(&names, store_dir);
    let targets: Vec<Target> = entries
        .iter()
        .zip(statuses)
        .map(|(entry, ((build_status, build_detail, caveat), root))| {
            // A pure set: the lock's toolchain, whatever dpkg says.
            let (build_status, build_detail) = match (root, toolchains) {
                (Some((root, debs)), Some(t)) => (
                    BuildStatus::Locked(locked_toolchain(
                        &root,
                        &debs,
                        &|p| t.size_in_store(p),
                        &t.deb_sizes,
                    )),
                    String::new(),
                ),
                (Some((root, debs)), None) => (
                    BuildStatus::Locked(locked_toolchain(
                        &root,
                        &debs,
                        &|_| None,
                        &Default::default(),
                    )),
                    String::new(),
                ),
                (None, _) => (build_status, build_detail),
            };
            let platform = xnix_platform::elaborate(&entry.args).map_err(|e| e.to_string());
            let (config, system) = match &platform {
                Ok(p) => (p.config().to_string(), p.system().to_string()),
                Err(_) => (String::new(), String::new()),
            };
            Target {
                name: entry.name.to_string(),
                config,
                system,
                build: build_status,
                build_detail,
                caveat,
                run: run_status(platform, &machine, &debs),
            }
        })
        .collect();
    let pkgs_check = match find_pkgs() {
        Some(p) if p.join("default.nix").is_file() => Check {
            name: "pkgs",
            ok: true,
            detail: format!("the package collection is {}", p.display()),
        },
        Some(p) => Check {
            name: "pkgs",
            ok: false,
            detail: format!(
                "{} (XNIX_PKGS) has no default.nix: point XNIX_PKGS at the pkgs/ directory",
                p.display()
            ),
        },
        None => Check {
            name: "pkgs",
            ok: false,
            detail: "the package collection was not found: set XNIX_PKGS to the pkgs/ directory"
                .into(),
        },
    };
    let report = Report {
        build_system: machine.system().to_string(),
        checks: vec![
            pkgs_check,
            checks::store(store_dir, physical_store),
            checks::sandbox(),
            checks::busybox(),
            checks::qemu(&debs),
            checks::binfmt(),
            checks::nix(),
        ],
        targets,
    };
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(known: bool, available: bool, install: &[&str], reason: &str) -> Json {
        json!({ "known": known, "available": available, "install": install, "reason": reason,
                "aptPackages": ["gcc-s390x-linux-gnu"], "missingDebs": [], "config": "s390x-unknown-linux-gnu", "kind": "gcc" })
    }

    #[test]
    fn statuses_become_build_statuses() {
        assert_eq!(
            from_status("s390x", &status(true, true, &[], "")),
            (BuildStatus::Ok, String::new())
        );
        let (b, detail) = from_status(
            "s390x",
            &status(
                true,
                false,
                &["gcc-s390x-linux-gnu", "libc6-dev-s390x-cross"],
                "needs `gcc-12-s390x-linux-gnu`\nsecond line",
            ),
        );
        assert_eq!(
            b,
            BuildStatus::MissingPackages(vec![
                "gcc-s390x-linux-gnu".into(),
                "libc6-dev-s390x-cross".into()
            ])
        );
        assert_eq!(detail, "needs `gcc-12-s390x-linux-gnu`");
        let (b, detail) = from_status("avr", &status(false, false, &[], "no toolchain for avr"));
        assert_eq!(b, BuildStatus::NoToolchain);
        assert_eq!(detail, "no toolchain for avr");
        // Known, unavailable and nothing to install: the reason is all there is.
        let (b, detail) = from_status("x", &status(true, false, &[], "broken"));
        assert_eq!((b, detail.as_str()), (BuildStatus::Error, "broken"));
    }

    #[test]
    fn caveats_are_one_line_and_optional() {
        let mut s = status(true, true, &[], "");
        assert_eq!(caveat_of(&s), "");
        s["caveat"] = json!("runs on ARMv7 only\nmore");
        assert_eq!(caveat_of(&s), "runs on ARMv7 only");
    }

    #[test]
    fn malformed_statuses_are_errors_naming_the_attribute() {
        for bad in [
            json!({ "available": true, "install": [] }),
            json!({ "known": true, "available": "yes", "install": [] }),
            json!({ "known": true, "available": false, "install": "gcc" }),
            json!({ "known": true, "available": false, "install": [1] }),
            json!("text"),
        ] {
            let (b, detail) = from_status("s390x", &bad);
            assert_eq!(b, BuildStatus::Error, "{bad}");
            assert!(
                detail.contains("pkgsCross.s390x.xnixToolchainStatus"),
                "{detail}"
            );
        }
    }
}
