//! `xnix doctor`: what this machine can build and run, for every platform of
//! the catalogue, and what to install for the rest.
//!
//! Which Debian packages a target needs is the package collection's
//! knowledge (its toolchain table, pkgs/stdenv/toolchains.nix): for each
//! catalogue name the evaluator reads `pkgsCross.<name>.xnixToolchainStatus`,
//! plain data (`{ known; available; install; reason; ... }`) that says whether
//! the toolchain of that set's stdenv is usable here and what to install
//! otherwise. Running is xnix-platform's `canExecute` and emulator choice,
//! checked against the programs installed here. The checks are
//! `xnix_app::doctor`; this module formats its report.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value as Json};
use xnix_app::doctor::toolchains::{LockedGroup, ToolchainReport};
use xnix_app::doctor::{BuildStatus, LockedToolchain, Report, RunStatus, Target};
use xnix_app::with_big_stack;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix doctor                 a table grouped by what works, on a terminal
  xnix doctor | grep riscv    one line per target otherwise
  xnix doctor --json | jq '.targets[] | select(.build.ok | not) | .build.install'
  xnix doctor --toolchains     only the lock's toolchains: fetched or not, sizes
  xnix doctor --toolchains --json | jq '.toolchains.groups[] | select(.fetched | not) | .group'

For each of the catalogue's platforms (the names behind pkgsCross.*): can this
machine BUILD for it (a pure set's toolchain comes from the collection's lock of
Debian packages: is it in the store, or how much does a first build download;
otherwise the Debian packages that the build machine's toolchain uses must be
installed), and RUN its programs
(natively, or through an installed emulator such as qemu-user or wine)? For
the others it names the Debian packages to install. It also checks the
basics: user namespaces for the build sandbox, a writable store, a static
busybox for builders, qemu-user and binfmt_misc. Nix is not required.

Toolchains: for every group of the collection's lock of Debian packages
(pkgs/debian/<suite>-<arch>.json: compilers, C libraries, standard tools), how
many of its .deb files are in the store and their size, and whether its
unpacked tree is there: `unpacked`, `fetched` (every .deb, not unpacked yet),
`partial` or `not-fetched` (a first build downloads it).";

/// Arguments of `xnix doctor`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct DoctorArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only the toolchains of the lock (no evaluation of every platform).
    #[arg(long)]
    pub toolchains: bool,
}

/// How a target's build and run statuses read.
trait TargetText {
    fn build_text(&self) -> String;
    fn run_text(&self) -> String;
    fn table_cells(&self) -> (String, String);
    fn to_json(&self) -> Json;
}

impl TargetText for Target {
    fn build_text(&self) -> String {
        match &self.build {
            BuildStatus::Ok => "yes".into(),
            BuildStatus::Locked(t) => format!("yes, {}", locked_text(t)),
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
            BuildStatus::Locked(t) => locked_text(t),
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
            BuildStatus::Ok | BuildStatus::Locked(_) => ("ok", vec![]),
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
                "toolchain": match &self.build {
                    BuildStatus::Locked(t) => json!({
                        "from": "lock",
                        "root": t.root,
                        "rootSize": t.root_size,
                        "fetched": t.is_fetched(),
                        "debs": t.debs,
                        "debBytes": t.deb_bytes,
                        "fetchedDebs": t.fetched_debs,
                        "fetchedBytes": t.fetched_bytes,
                    }),
                    _ => json!({ "from": "build-machine" }),
                },
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

/// The report's three forms: JSON, plain lines, the terminal table.
trait ReportText {
    fn to_json(&self) -> Json;
    fn write_plain(&self, out: &mut dyn Write) -> std::io::Result<()>;
    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()>;
}

impl ReportText for Report {
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

/// Mebibytes, one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// A pure set's toolchain: in the store or what its first build downloads.
fn locked_text(t: &LockedToolchain) -> String {
    match t.root_size {
        Some(size) => format!("lock's toolchain in the store ({})", mib(size)),
        None if t.fetched_debs == t.debs => format!(
            "lock's toolchain fetched ({} .debs, {}), unpacked on first build",
            t.debs,
            mib(t.deb_bytes)
        ),
        None => format!(
            "lock's toolchain, first build downloads {} ({} of {} .debs)",
            mib(t.deb_bytes - t.fetched_bytes),
            t.debs - t.fetched_debs,
            t.debs
        ),
    }
}

/// One group's line: where it stands and its sizes.
fn group_text(g: &LockedGroup) -> String {
    let debs = |n: usize| if n == 1 { ".deb" } else { ".debs" };
    match g.unpacked_size {
        Some(size) => format!(
            "unpacked, {} in the store ({} {}, {})",
            mib(size),
            g.debs,
            debs(g.debs),
            mib(g.deb_bytes)
        ),
        None if g.fetched_debs == g.debs => format!(
            "fetched, {} {} ({}) in the store, not unpacked yet",
            g.debs,
            debs(g.debs),
            mib(g.deb_bytes)
        ),
        None if g.fetched_debs > 0 => format!(
            "partial, {} of {} .debs ({} of {}) in the store",
            g.fetched_debs,
            g.debs,
            mib(g.fetched_bytes),
            mib(g.deb_bytes)
        ),
        None => format!(
            "not fetched, {} {} ({}) to download",
            g.debs,
            debs(g.debs),
            mib(g.deb_bytes)
        ),
    }
}

fn toolchains_json(t: &Result<ToolchainReport, String>) -> Json {
    match t {
        Ok(t) => json!({
            "lockDir": t.lock_dir.display().to_string(),
            "groups": t.groups.iter().map(|g| json!({
                "suite": g.suite,
                "architecture": g.architecture,
                "group": g.group,
                "state": g.state().as_str(),
                "fetched": g.is_fetched(),
                "debs": g.debs,
                "debBytes": g.deb_bytes,
                "fetchedDebs": g.fetched_debs,
                "fetchedBytes": g.fetched_bytes,
                "unpackedPath": g.unpacked_path,
                "unpackedSize": g.unpacked_size,
            })).collect::<Vec<_>>(),
        }),
        Err(e) => json!({ "error": e }),
    }
}

fn write_toolchains(
    t: &Result<ToolchainReport, String>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let t = match t {
        Ok(t) => t,
        Err(e) => return writeln!(out, "toolchains from the lock: {e}"),
    };
    writeln!(
        out,
        "toolchains from the lock ({}), in this store:",
        t.lock_dir.display()
    )?;
    let names: Vec<String> = t
        .groups
        .iter()
        .map(|g| format!("{}/{}/{}", g.suite, g.architecture, g.group))
        .collect();
    let w = names.iter().map(String::len).max().unwrap_or(0);
    for (g, name) in t.groups.iter().zip(&names) {
        writeln!(out, "  {name:w$}  {}", group_text(g))?;
    }
    Ok(())
}

/// The lock's toolchains as the store has them (an error as text: the
/// rest of the report stands without them).
fn toolchain_report(opts: &StoreOpts) -> Result<ToolchainReport, String> {
    let logical = opts.store_dir();
    let debian_dir = xnix_app::installable::find_pkgs()
        .map(|p| p.join("debian"))
        .ok_or("the package collection was not found (set XNIX_PKGS)")?;
    let config = opts.config().map_err(|e| format!("{e:#}"))?;
    xnix_app::doctor::toolchains::report(
        logical,
        config,
        &opts.physical(Path::new(logical)),
        &debian_dir,
    )
    .map_err(|e| format!("{e:#}"))
}

fn run_inner(args: DoctorArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    if args.toolchains {
        let toolchains = toolchain_report(&opts);
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if args.json {
            let json = json!({ "toolchains": toolchains_json(&toolchains) });
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        } else {
            write_toolchains(&toolchains, &mut out)?;
        }
        out.flush()?;
        return Ok(if toolchains.is_ok() { 0 } else { 1 });
    }
    let logical = opts.store_dir();
    let toolchains = toolchain_report(&opts);
    let report = xnix_app::doctor::diagnose(
        logical,
        &opts.physical(Path::new(logical)),
        toolchains.as_ref().ok(),
    )?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // How each Linux system's derivations build here (xnix emulation status).
    let builds = xnix_app::emulation::status(&[])?;
    if args.json {
        let mut json = report.to_json();
        if let Some(obj) = json.as_object_mut() {
            obj.insert(
                "systemBuilds".to_string(),
                builds
                    .iter()
                    .map(|s| (s.system.clone(), serde_json::Value::from(s.builds)))
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
            );
            obj.insert("toolchains".to_string(), toolchains_json(&toolchains));
        }
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    } else {
        if std::io::stdout().is_terminal() {
            report.write_table(&mut out)?;
        } else {
            report.write_plain(&mut out)?;
        }
        writeln!(
            out,
            "derivations built here, by system (native, per-build = qemu in each build's own \
             binfmt_misc, global = the machine's registration, no):"
        )?;
        for s in &builds {
            let global = s
                .global_entry
                .as_ref()
                .map(|g| format!(" (global entry {g})"))
                .unwrap_or_default();
            writeln!(out, "  {:<22} {}{global}", s.system, s.builds)?;
        }
        write_toolchains(&toolchains, &mut out)?;
    }
    out.flush()?;
    Ok(0)
}

/// Run `xnix doctor`.
pub fn run(args: DoctorArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}
