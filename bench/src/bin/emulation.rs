//! Four ways to build the same packages for another machine, in one run:
//!
//! - **native**: the x86_64 package itself (`hello`), the reference;
//! - **cross**: `pkgsCross.aarch64-multiplatform.hello`, a cross compiler on
//!   this machine;
//! - **emulated**: `(import <xnixpkgs> { localSystem = "aarch64-linux"; }).hello`,
//!   every program of the build (shell, make, configure's tests and the
//!   compiler) an aarch64 program run under qemu-user;
//! - **hybrid**: the same set's `pkgsHybrid.hello`: the programs the build
//!   compiles (configure's tests, generators) under qemu; the compiler,
//!   assembler and linker (the x86_64-hosted cross tools of the same gcc
//!   version) and the standard tools (shell, coreutils but `uname`, sed,
//!   grep, make, ...) x86_64 programs run natively.
//!
//! Packages: lua (a plain Makefile) and GNU hello (autotools), by default.
//! Each build runs in a fresh store root. Downloading is left out: the
//! `.deb` files and sources every build needs are fetched once into a seed
//! store (through the machine's Debian mirror), and each fresh root gets
//! them, untimed, from a local copy of the archive's pool (`file://`),
//! unpacked toolchain roots included; what is timed is `xnix build` of the
//! package, its compiler wrapper and the package's own build.
//!
//! The table shows wall and CPU time (user + system of the whole process
//! tree) and their ratios to native; the targets are emulated at most 15x
//! native and hybrid at most 3x (wall time). No assertion on time; the
//! load average at the start and end is printed, since other work on the
//! machine shows in the wall times.
//!
//!     cargo run --release -p xnix-bench --bin emulation -- [PKG...] [--reps N] [--keep-mirror DIR] [--pkgs DIR]
//!
//! The xnix binary is found as the other benches find it (`XNIX_BIN`, or
//! target/release/xnix).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use xnix_bench::{find_xnix, median, run_measured, workspace_root, Table};

/// Exit status for a set-up error (missing tool, evaluation failure).
const SETUP_ERROR: i32 = 2;
/// Exit status for a failed build.
const BUILD_ERROR: i32 = 1;

/// The wall-time ratios to native the project aims for.
const EMULATED_TARGET: f64 = 15.0;
const HYBRID_TARGET: f64 = 3.0;

struct Failure {
    status: i32,
    message: String,
}

fn setup(message: impl Into<String>) -> Failure {
    Failure {
        status: SETUP_ERROR,
        message: message.into(),
    }
}

fn failed(message: impl Into<String>) -> Failure {
    Failure {
        status: BUILD_ERROR,
        message: message.into(),
    }
}

/// How a package is built, in the order the table shows.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Native,
    Cross,
    Emulated,
    Hybrid,
}

const MODES: [Mode; 4] = [Mode::Native, Mode::Cross, Mode::Emulated, Mode::Hybrid];

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::Cross => "cross",
            Mode::Emulated => "emulated",
            Mode::Hybrid => "hybrid",
        }
    }

    /// The Nix expression for `package` built this way.
    fn expr(self, pkgs: &Path, package: &str) -> String {
        let pkgs = pkgs.display();
        match self {
            Mode::Native => format!("(import {pkgs} {{ }}).{package}"),
            Mode::Cross => {
                format!("(import {pkgs} {{ }}).pkgsCross.aarch64-multiplatform.{package}")
            }
            Mode::Emulated => {
                format!(r#"(import {pkgs} {{ localSystem = "aarch64-linux"; }}).{package}"#)
            }
            Mode::Hybrid => format!(
                r#"(import {pkgs} {{ localSystem = "aarch64-linux"; }}).pkgsHybrid.{package}"#
            ),
        }
    }

    /// What the timed build must find in its store: the package's source
    /// and the root of locked Debian packages its builders run in (when it
    /// has one), and for emulated builds the lock's qemu.
    fn prefetch_expr(self, pkgs: &Path, package: &str) -> String {
        let qemu = if matches!(self, Mode::Emulated | Mode::Hybrid) {
            format!(
                " ++ [ (import {}/debian {{ }}).groups.amd64.qemu-user-static ]",
                pkgs.display()
            )
        } else {
            String::new()
        };
        format!(
            "let p = {}; in [ p.src ] ++ (if p ? __xnixRoot then [ p.__xnixRoot ] else [ ]){qemu}",
            self.expr(pkgs, package)
        )
    }

    /// The wall-time target, as a ratio to native.
    fn target(self) -> Option<f64> {
        match self {
            Mode::Emulated => Some(EMULATED_TARGET),
            Mode::Hybrid => Some(HYBRID_TARGET),
            _ => None,
        }
    }
}

/// A store root that is deleted afterwards (store paths are read-only, so
/// they are made writable first).
struct Root(tempfile::TempDir);

impl Root {
    fn new(prefix: &str) -> Result<Root, Failure> {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map(Root)
            .map_err(|e| setup(format!("cannot create a scratch store root: {e}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.0.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

struct Xnix {
    bin: PathBuf,
    pkgs: PathBuf,
    /// `cores` for the timed builds (every build gets the whole machine).
    cores: usize,
}

impl Xnix {
    fn command(&self, root: &Path, mirror: Option<&str>) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env("XNIX_STORE_ROOT", root)
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR")
            .stdin(Stdio::null());
        if let Some(m) = mirror {
            cmd.env("XNIX_MIRROR_DEBIAN", m);
        }
        cmd
    }

    fn output(&self, mut cmd: Command, what: &str) -> Result<Vec<u8>, Failure> {
        let out = cmd
            .output()
            .map_err(|e| setup(format!("cannot run {}: {e}", self.bin.display())))?;
        if !out.status.success() {
            return Err(failed(format!(
                "{what} failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(out.stdout)
    }

    /// The derivations of `expr` and every one they depend on:
    /// drv path -> `show-derivation` JSON.
    fn derivations(
        &self,
        root: &Path,
        expr: &str,
    ) -> Result<serde_json::Map<String, Value>, Failure> {
        let mut cmd = self.command(root, None);
        cmd.args(["instantiate", "-E", expr]);
        let drvs = self.output(cmd, &format!("xnix instantiate -E '{expr}'"))?;
        let drvs = String::from_utf8_lossy(&drvs);
        let mut cmd = self.command(root, None);
        cmd.args(["show-derivation", "-r"]).args(drvs.lines());
        let json = self.output(cmd, "xnix show-derivation -r")?;
        match serde_json::from_slice::<Value>(&json) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(setup("xnix show-derivation printed no JSON object")),
        }
    }

    /// `xnix build` of `args` into `root`, untimed.
    fn build(&self, root: &Path, mirror: Option<&str>, args: &[String]) -> Result<(), Failure> {
        let mut cmd = self.command(root, mirror);
        cmd.args(["build", "--no-out-link"]).args(args);
        self.output(cmd, "xnix build (set-up)").map(|_| ())
    }
}

/// The downloads among `derivations` from the Debian archive: (archive
/// path below `mirror://debian/`, store path of the file).
fn debian_downloads(derivations: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    derivations
        .values()
        .filter(|d| d["builder"].as_str() == Some("builtin:fetchurl"))
        .filter_map(|d| {
            let rel = d["env"]["url"].as_str()?.strip_prefix("mirror://debian/")?;
            let out = d["outputs"]["out"]["path"].as_str()?;
            Some((rel.to_string(), out.to_string()))
        })
        .collect()
}

/// Copies every fetched file from the seed store into `pool` at its
/// archive path, so that `file://<pool>` serves as the Debian mirror.
fn fill_pool(
    seed: &Path,
    pool: &Path,
    fetched: &BTreeSet<(String, String)>,
) -> Result<(), Failure> {
    for (rel, out) in fetched {
        let dest = pool.join(rel);
        if dest.exists() {
            continue;
        }
        let from = seed.join(out.trim_start_matches('/'));
        let parent = dest.parent().unwrap_or(pool);
        fs::create_dir_all(parent)
            .and_then(|_| fs::copy(&from, &dest).map(|_| ()))
            .map_err(|e| {
                setup(format!(
                    "copying {} to {}: {e}",
                    from.display(),
                    dest.display()
                ))
            })?;
    }
    Ok(())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

struct Sample {
    wall: f64,
    cpu: f64,
}

fn run() -> Result<(), Failure> {
    let mut packages = Vec::new();
    let mut reps = 1usize;
    let mut keep_mirror: Option<PathBuf> = None;
    let mut pkgs = workspace_root().join("pkgs");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => {
                reps = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| setup("--reps takes a positive number"))?;
            }
            "--keep-mirror" => {
                keep_mirror = Some(PathBuf::from(
                    args.next()
                        .ok_or_else(|| setup("--keep-mirror takes a directory"))?,
                ));
            }
            "--pkgs" => {
                pkgs = PathBuf::from(
                    args.next()
                        .ok_or_else(|| setup("--pkgs takes a directory"))?,
                );
            }
            "-h" | "--help" => {
                println!(
                    "usage: emulation [PKG...] [--reps N] [--keep-mirror DIR] [--pkgs DIR]\n\
                     Builds each package (default: lua hello) native, cross (aarch64), emulated \
                     (localSystem = \"aarch64-linux\") and hybrid (pkgsHybrid), each in a fresh \
                     store with its toolchains fetched beforehand, and prints wall/CPU times \
                     and ratios to native. --keep-mirror DIR keeps the local copy of the \
                     fetched .debs and sources there (reused by the next run). --pkgs DIR: the \
                     collection to build (default: the workspace's pkgs/; a copy keeps a long \
                     run independent of edits)."
                );
                return Ok(());
            }
            p if !p.starts_with('-') => packages.push(p.to_string()),
            other => return Err(setup(format!("unknown option {other} (see --help)"))),
        }
    }
    if packages.is_empty() {
        packages = vec!["lua".into(), "hello".into()];
    }
    let xnix = Xnix {
        bin: find_xnix().map_err(setup)?,
        pkgs,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };

    // What each build needs beforehand, and the files it fetches.
    let seed = Root::new("xnix-bench-emulation-seed-")?;
    let mut builds = Vec::new();
    let mut all_fetched = BTreeSet::new();
    for package in &packages {
        for mode in MODES {
            let prefetch = mode.prefetch_expr(&xnix.pkgs, package);
            all_fetched.extend(debian_downloads(&xnix.derivations(seed.path(), &prefetch)?));
            builds.push((
                package.clone(),
                mode,
                mode.expr(&xnix.pkgs, package),
                prefetch,
            ));
        }
    }
    let pool_dir = match &keep_mirror {
        Some(dir) => {
            fs::create_dir_all(dir)
                .map_err(|e| setup(format!("creating {}: {e}", dir.display())))?;
            None
        }
        None => Some(
            tempfile::Builder::new()
                .prefix("xnix-bench-emulation-pool-")
                .tempdir()
                .map_err(|e| setup(format!("a scratch directory: {e}")))?,
        ),
    };
    let pool = keep_mirror.clone().unwrap_or_else(|| {
        pool_dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .unwrap_or_default()
    });
    let missing = all_fetched
        .iter()
        .filter(|(rel, _)| !pool.join(rel).exists())
        .count();
    if missing > 0 {
        eprintln!("fetching {missing} files into a seed store (untimed)");
        // The machine's archive (or XNIX_MIRROR_DEBIAN as set by the caller).
        let seed_mirror = std::env::var("XNIX_MIRROR_DEBIAN").ok();
        for (_, _, _, prefetch) in &builds {
            xnix.build(
                seed.path(),
                seed_mirror.as_deref(),
                &["-E".into(), prefetch.clone()],
            )?;
        }
        fill_pool(seed.path(), &pool, &all_fetched)?;
    }
    drop(seed);
    let mirror = format!("file://{}", pool.display());

    let start_load = load_average();
    eprintln!("load average at start: {start_load}");
    let mut samples: Vec<Vec<Sample>> = builds.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        for (i, (package, mode, expr, prefetch)) in builds.iter().enumerate() {
            let root = Root::new("xnix-bench-emulation-")?;
            xnix.build(root.path(), Some(&mirror), &["-E".into(), prefetch.clone()])?;
            let mut cmd = xnix.command(root.path(), Some(&mirror));
            cmd.args(["build", "--no-out-link", "-j", "1", "--option", "cores"])
                .arg(xnix.cores.to_string())
                .args(["-E", expr]);
            let m = run_measured(&mut cmd)
                .map_err(|e| setup(format!("cannot run {}: {e}", xnix.bin.display())))?;
            if !m.status.success() {
                return Err(failed(format!(
                    "{} {package} failed ({}):\n{}",
                    mode.name(),
                    m.status,
                    String::from_utf8_lossy(&m.stderr)
                )));
            }
            let s = Sample {
                wall: m.wall.as_secs_f64(),
                cpu: m.cpu.as_secs_f64(),
            };
            eprintln!(
                "rep {}: {package} {}: {:.1} s wall, {:.1} s CPU",
                rep + 1,
                mode.name(),
                s.wall,
                s.cpu
            );
            samples[i].push(s);
        }
    }
    let end_load = load_average();

    let mut table = Table::new([
        "package",
        "mode",
        "wall s",
        "CPU s",
        "wall/native",
        "CPU/native",
        "target",
    ]);
    for (package, group) in packages.iter().zip(samples.chunks(MODES.len())) {
        let med = |s: &[Sample], f: fn(&Sample) -> f64| {
            median(&s.iter().map(f).collect::<Vec<_>>()).unwrap_or(f64::NAN)
        };
        let (native_wall, native_cpu) = (med(&group[0], |s| s.wall), med(&group[0], |s| s.cpu));
        for (mode, s) in MODES.iter().zip(group) {
            let (wall, cpu) = (med(s, |s| s.wall), med(s, |s| s.cpu));
            let target = mode.target().map_or(String::new(), |t| {
                let verdict = if wall / native_wall <= t {
                    "met"
                } else {
                    "missed"
                };
                format!("<= {t:.0}x ({verdict})")
            });
            table.row([
                package.clone(),
                mode.name().to_string(),
                format!("{wall:.1}"),
                format!("{cpu:.1}"),
                format!("{:.2}x", wall / native_wall),
                format!("{:.2}x", cpu / native_cpu),
                target,
            ]);
        }
    }
    println!("{}", table.render());
    println!(
        "{reps} run(s) each, medians; {} cores; load average at start {start_load}, at end {end_load}",
        xnix.cores
    );
    Ok(())
}

fn main() {
    if let Err(f) = run() {
        eprintln!("error: {}", f.message);
        std::process::exit(f.status);
    }
}
