//! `xnix doctor`: what this machine can build and run, for every platform of
//! the catalogue, and what to install for the rest.
//!
//! Which Debian packages a target needs is the package collection's
//! knowledge (its toolchain table, pkgs/stdenv/toolchains.nix): for each
//! catalogue name the evaluator reads `pkgsCross.<name>.xnixToolchainStatus`,
//! plain data (`{ known; available; install; reason; ... }`) that says whether
//! the toolchain of that set's stdenv is usable here and what to install
//! otherwise. Running is xnix-platform's `canExecute` and emulator choice,
//! checked against the programs installed here.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use clap::Args;
use serde_json::{json, Value as Json};
use xnix_eval::{with_big_stack, Pos};
use xnix_platform::{Emulator, Platform};

use super::instantiate;
use super::run::{build_platform, emulator_apt_packages, find_emulator, find_in_path};
use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix doctor                 a table grouped by what works, on a terminal
  xnix doctor | grep riscv    one line per target otherwise
  xnix doctor --json | jq '.targets[] | select(.build.ok | not) | .build.install'

For each of the catalogue's platforms (the names behind pkgsCross.*): can this
machine BUILD for it (the package collection has a toolchain for it and the
Debian packages that toolchain uses are installed), and RUN its programs
(natively, or through an installed emulator such as qemu-user or wine)? For
the others it names the Debian packages to install. It also checks the
basics: user namespaces for the build sandbox, a writable store, a static
busybox for builders, qemu-user and binfmt_misc. Nix is not required.";

/// Arguments of `xnix doctor`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct DoctorArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One basic check of the machine.
#[derive(Debug, Clone)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
}

/// Why building for a target does or does not work.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BuildStatus {
    /// The toolchain and its packages are there.
    Ok,
    /// The collection knows a toolchain; these Debian packages are missing.
    MissingPackages(Vec<String>),
    /// The collection has no toolchain for the platform.
    NoToolchain,
    /// Evaluation failed otherwise (no collection, unsupported platform, ...).
    Error,
}

/// How programs for a target run here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RunStatus {
    Native,
    /// Through this installed emulator.
    Emulated(String),
    /// The emulator exists in Debian but is not installed.
    EmulatorMissing {
        program: String,
        install: Vec<String>,
    },
    /// The emulator Debian does not package, or nothing runs them.
    Impossible(String),
}

#[derive(Debug, Clone)]
struct Target {
    name: String,
    config: String,
    system: String,
    build: BuildStatus,
    build_detail: String,
    /// What builds but may not run where users expect (the collection's
    /// `caveat`, "" when none): shown with the target whatever its status.
    caveat: String,
    run: RunStatus,
}

impl Target {
    fn can_build(&self) -> bool {
        self.build == BuildStatus::Ok
    }

    fn can_run(&self) -> bool {
        matches!(self.run, RunStatus::Native | RunStatus::Emulated(_))
    }

    fn build_text(&self) -> String {
        match &self.build {
            BuildStatus::Ok => "yes".into(),
            BuildStatus::MissingPackages(p) => format!("no: apt-get install {}", p.join(" ")),
            BuildStatus::NoToolchain => "no: no toolchain in the package collection".into(),
            BuildStatus::Error => format!("no: {}", self.build_detail),
        }
    }

    fn run_text(&self) -> String {
        match &self.run {
            RunStatus::Native => "yes (natively)".into(),
            RunStatus::Emulated(e) => format!("yes ({e})"),
            RunStatus::EmulatorMissing { program, install } => {
                format!(
                    "no: needs {program} (apt-get install {})",
                    install.join(" ")
                )
            }
            RunStatus::Impossible(why) => format!("no: {why}"),
        }
    }

    /// The BUILD and RUN cells of the terminal table.
    fn table_cells(&self) -> (String, String) {
        let build = match &self.build {
            BuildStatus::Ok => "yes".to_string(),
            BuildStatus::MissingPackages(p) => format!("apt-get install {}", p.join(" ")),
            BuildStatus::NoToolchain => "-".to_string(),
            BuildStatus::Error => self.build_detail.clone(),
        };
        let run = match &self.run {
            RunStatus::Native => "native".to_string(),
            RunStatus::Emulated(e) => e.clone(),
            RunStatus::EmulatorMissing { program, install } => {
                format!("{program}: apt-get install {}", install.join(" "))
            }
            RunStatus::Impossible(_) => "-".to_string(),
        };
        (build, run)
    }

    fn to_json(&self) -> Json {
        let (build_status, build_install) = match &self.build {
            BuildStatus::Ok => ("ok", vec![]),
            BuildStatus::MissingPackages(p) => ("missing-packages", p.clone()),
            BuildStatus::NoToolchain => ("no-toolchain", vec![]),
            BuildStatus::Error => ("error", vec![]),
        };
        let (how, emulator, run_install, run_detail) = match &self.run {
            RunStatus::Native => ("native", None, vec![], String::new()),
            RunStatus::Emulated(e) => ("emulator", Some(e.clone()), vec![], String::new()),
            RunStatus::EmulatorMissing { program, install } => (
                "emulator",
                Some(program.clone()),
                install.clone(),
                format!("{program} is not installed"),
            ),
            RunStatus::Impossible(why) => ("none", None, vec![], why.clone()),
        };
        json!({
            "name": self.name,
            "config": self.config,
            "system": self.system,
            "build": {
                "ok": self.can_build(),
                "status": build_status,
                "install": build_install,
                "detail": self.build_detail,
                "caveat": self.caveat,
            },
            "run": {
                "ok": self.can_run(),
                "how": how,
                "emulator": emulator,
                "install": run_install,
                "detail": run_detail,
            },
        })
    }
}

/// Debian packages installed here (`Package` and `Package:arch`), from dpkg's status file.
fn installed_debs() -> BTreeSet<String> {
    let text = std::fs::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    let mut out = BTreeSet::new();
    for para in text.split("\n\n") {
        let field = |name: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let installed = field("Status:").is_some_and(|s| s.ends_with("install ok installed"));
        if let (true, Some(pkg)) = (installed, field("Package:")) {
            if let Some(arch) = field("Architecture:") {
                out.insert(format!("{pkg}:{arch}"));
            }
            out.insert(pkg);
        }
    }
    out
}

/// What the collection says about building for one catalogue name: the status,
/// its detail and the caveat ("" when none).
type BuildReport = (BuildStatus, String, String);

/// Build status of every catalogue name, from one evaluation of the collection.
fn build_statuses(names: &[String], store_dir: &str) -> Vec<BuildReport> {
    let Some(pkgs_dir) = instantiate::find_pkgs() else {
        let why = "the package collection was not found (set XNIX_PKGS)".to_string();
        return names
            .iter()
            .map(|_| (BuildStatus::Error, why.clone(), String::new()))
            .collect();
    };
    let ev = super::new_evaluator(store_dir, &[]);
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
                .map(|_| (BuildStatus::Error, why.clone(), String::new()))
                .collect();
        }
    };
    names
        .iter()
        .map(|name| {
            let json = (|| {
                let mut v = cross.clone();
                for part in [name.as_str(), STATUS_ATTR] {
                    v = ev.select_attr(v, part, Pos::NONE)?;
                }
                ev.to_json(v, Pos::NONE, false, &mut Vec::new())
            })();
            match json {
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
            }
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
    build: &Platform,
    debs: &BTreeSet<String>,
) -> RunStatus {
    let target = match target {
        Ok(t) => t,
        Err(e) => return RunStatus::Impossible(e),
    };
    match target.emulator_on(build) {
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
            build.system()
        )),
    }
}

/// Create and remove a file in `dir`: the plainest proof that it is writable.
fn try_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".xnix-doctor-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

fn check_store(opts: &StoreOpts) -> Check {
    let logical = opts.store_dir();
    let physical = opts.physical(Path::new(logical));
    let shown = if physical.as_path() == Path::new(logical) {
        logical.to_string()
    } else {
        format!("{logical} (at {})", physical.display())
    };
    let existing = physical
        .ancestors()
        .find(|p| p.exists())
        .map(Path::to_path_buf);
    let (ok, detail) = match existing {
        Some(dir) if dir == physical => match try_write(&dir) {
            Ok(()) => (true, format!("{shown} is writable")),
            Err(e) => (false, format!("{shown} is not writable: {e}")),
        },
        Some(dir) => match try_write(&dir) {
            Ok(()) => (
                true,
                format!(
                    "{shown} does not exist yet; it will be created under {}",
                    dir.display()
                ),
            ),
            Err(e) => (
                false,
                format!(
                    "{shown} does not exist and {} is not writable: {e}",
                    dir.display()
                ),
            ),
        },
        None => (false, format!("{shown}: no existing parent directory")),
    };
    Check {
        name: "store",
        ok,
        detail,
    }
}

fn check_sandbox() -> Check {
    let max = std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let (ok, detail) = if let Some(unshare) = find_in_path("unshare") {
        let status = Command::new(unshare)
            .args([
                "--user",
                "--map-root-user",
                "--mount",
                "--pid",
                "--fork",
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => (true, "user, mount and PID namespaces can be created".to_string()),
            _ => (
                false,
                "cannot create user namespaces (see /proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone)".to_string(),
            ),
        }
    } else {
        match max {
            Some(0) => (
                false,
                "user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)".into(),
            ),
            Some(n) => (
                true,
                format!("user namespaces enabled (max {n}; not tried: no unshare program)"),
            ),
            None => (
                false,
                "cannot tell whether user namespaces work (no /proc/sys/user/max_user_namespaces)"
                    .into(),
            ),
        }
    };
    Check {
        name: "sandbox",
        ok,
        detail,
    }
}

fn check_busybox() -> Check {
    let paths = xnix_build::sandbox::busybox_sandbox_paths();
    match paths.first() {
        Some(p) => Check {
            name: "busybox",
            ok: true,
            detail: format!("builders get {} as /bin/sh", p.host.display()),
        },
        None => Check {
            name: "busybox",
            ok: false,
            detail: "no static busybox for builders' /bin/sh: apt-get install busybox-static"
                .into(),
        },
    }
}

fn check_qemu(debs: &BTreeSet<String>) -> Check {
    let programs = ["/usr/bin", "/usr/local/bin"]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|rd| rd.filter_map(Result::ok))
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("qemu-") && !n.starts_with("qemu-img") && !n.starts_with("qemu-system")
        })
        .count();
    let pkg = ["qemu-user", "qemu-user-static"]
        .into_iter()
        .find(|p| debs.contains(*p));
    match pkg {
        Some(p) => Check {
            name: "qemu-user",
            ok: true,
            detail: format!("{p} is installed ({programs} qemu user-mode programs)"),
        },
        None if programs > 0 => Check {
            name: "qemu-user",
            ok: true,
            detail: format!(
                "{programs} qemu user-mode programs in PATH (not from Debian's qemu-user)"
            ),
        },
        None => Check {
            name: "qemu-user",
            ok: false,
            detail: "not installed; foreign Linux programs cannot run: apt-get install qemu-user"
                .into(),
        },
    }
}

fn check_binfmt() -> Check {
    let dir = Path::new("/proc/sys/fs/binfmt_misc");
    let detail = match std::fs::read_to_string(dir.join("status")) {
        Ok(status) => {
            let mut qemu: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.starts_with("qemu-"))
                        .collect()
                })
                .unwrap_or_default();
            qemu.sort();
            format!(
                "{}; {} (not needed: xnix starts emulators itself)",
                status.trim(),
                if qemu.is_empty() {
                    "no qemu handlers registered".to_string()
                } else {
                    format!("qemu handlers: {}", qemu.join(" "))
                }
            )
        }
        Err(_) => "not mounted (not needed: xnix starts emulators itself)".into(),
    };
    Check {
        name: "binfmt_misc",
        ok: true,
        detail,
    }
}

fn check_nix() -> Check {
    let detail = match find_in_path("nix-instantiate") {
        Some(p) => format!(
            "not required; found {} (the tests compare against it)",
            p.display()
        ),
        None => "not required, not installed".to_string(),
    };
    Check {
        name: "nix",
        ok: true,
        detail,
    }
}

struct Report {
    build_system: String,
    checks: Vec<Check>,
    targets: Vec<Target>,
}

impl Report {
    /// Everything to install for what does not work yet (packages that exist in Debian).
    fn install(&self) -> Vec<String> {
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

    fn to_json(&self) -> Json {
        json!({
            "buildPlatform": self.build_system,
            "checks": self.checks.iter().map(|c| json!({"name": c.name, "ok": c.ok, "detail": c.detail})).collect::<Vec<_>>(),
            "targets": self.targets.iter().map(Target::to_json).collect::<Vec<_>>(),
            "install": self.install(),
        })
    }

    fn write_plain(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "build platform: {}", self.build_system)?;
        for c in &self.checks {
            writeln!(
                out,
                "check {}: {}: {}",
                c.name,
                if c.ok { "ok" } else { "FAIL" },
                c.detail
            )?;
        }
        for t in &self.targets {
            write!(
                out,
                "{} ({}): build {}; run {}",
                t.name,
                t.config,
                t.build_text(),
                t.run_text()
            )?;
            if t.caveat.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "; caveat: {}", t.caveat)?;
            }
        }
        let install = self.install();
        if !install.is_empty() {
            writeln!(
                out,
                "to build or run more: apt-get install {}",
                install.join(" ")
            )?;
        }
        Ok(())
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "This machine: {}\n", self.build_system)?;
        let w = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &self.checks {
            let mark = if c.ok { "ok  " } else { "FAIL" };
            writeln!(out, "  {mark}  {:w$}  {}", c.name, c.detail)?;
        }
        type Filter = fn(&Target) -> bool;
        let groups: [(&str, Filter); 4] = [
            ("Build and run here", |t| t.can_build() && t.can_run()),
            ("Build here; running needs more", |t| {
                t.can_build() && !t.can_run()
            }),
            ("Toolchain known; Debian packages missing", |t| {
                matches!(t.build, BuildStatus::MissingPackages(_))
            }),
            ("No toolchain in the package collection", |t| {
                matches!(t.build, BuildStatus::NoToolchain | BuildStatus::Error)
            }),
        ];
        let nw = self
            .targets
            .iter()
            .map(|t| t.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let cw = self
            .targets
            .iter()
            .map(|t| t.config.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let cells: Vec<(String, String)> = self.targets.iter().map(Target::table_cells).collect();
        let bw = cells.iter().map(|c| c.0.len()).max().unwrap_or(5).max(5);
        for (title, filter) in groups {
            let members: Vec<(&Target, &(String, String))> = self
                .targets
                .iter()
                .zip(&cells)
                .filter(|(t, _)| filter(t))
                .collect();
            if members.is_empty() {
                continue;
            }
            writeln!(out, "\n{title} ({}):", members.len())?;
            writeln!(
                out,
                "  {:nw$}  {:cw$}  {:bw$}  RUN",
                "NAME", "TRIPLE", "BUILD"
            )?;
            for (t, (build, run)) in members {
                writeln!(
                    out,
                    "  {:nw$}  {:cw$}  {build:bw$}  {run}",
                    t.name, t.config
                )?;
                if !t.caveat.is_empty() {
                    writeln!(out, "  {:nw$}  caveat: {}", "", t.caveat)?;
                }
            }
        }
        let install = self.install();
        if !install.is_empty() {
            writeln!(
                out,
                "\nTo build or run more: apt-get install {}",
                install.join(" ")
            )?;
        }
        Ok(())
    }
}

fn run_inner(args: DoctorArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    let build = build_platform()?;
    let debs = installed_debs();
    let entries: Vec<xnix_platform::CatalogueEntry> = xnix_platform::catalogue().collect();
    let names: Vec<String> = entries.iter().map(|e| e.name.to_string()).collect();
    let statuses = build_statuses(&names, opts.store_dir());
    let targets: Vec<Target> = entries
        .iter()
        .zip(statuses)
        .map(|(entry, (build_status, build_detail, caveat))| {
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
                run: run_status(platform, &build, &debs),
            }
        })
        .collect();
    let pkgs_check = match instantiate::find_pkgs() {
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
        build_system: build.system().to_string(),
        checks: vec![
            pkgs_check,
            check_store(&opts),
            check_sandbox(),
            check_busybox(),
            check_qemu(&debs),
            check_binfmt(),
            check_nix(),
        ],
        targets,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report.to_json())?;
        writeln!(out)?;
    } else if std::io::stdout().is_terminal() {
        report.write_table(&mut out)?;
    } else {
        report.write_plain(&mut out)?;
    }
    out.flush()?;
    Ok(0)
}

/// Run `xnix doctor`.
pub fn run(args: DoctorArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

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
