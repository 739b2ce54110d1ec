//! Cross build against native build of the same package, in one run.
//!
//! What is compared, per row (each a native and a cross measurement):
//!
//! 1. `xnix build`, as users build it: `-A PKG` against
//!    `-A pkgsCross.TARGET.PKG`, checks as the recipe has them. A cross build
//!    runs its emulated steps (tests, lua's precompiled chunk) through
//!    qemu-user; the native build runs the same steps directly. The 1.15x
//!    target is judged on this row.
//! 2. `xnix build` with `doCheck = false` on both sides (`overrideAttrs`):
//!    the check phase, the main emulated work, left out. Steps the build
//!    phase itself runs through the emulator stay. Shown only when the
//!    recipe checks at all.
//! 3. For lua only: plain `make` of the same source with the build
//!    machine's compilers the wrappers use (no xnix, no wrapper, no checks):
//!    the compilers' own cross/native ratio, the floor for rows 1 and 2.
//!
//! Every xnix build runs in a fresh store root (nothing cached; both include
//! building their compiler wrapper), whose source download is copied in
//! first, untimed. Repetitions (default 4) interleave native and cross runs,
//! alternating which goes first, and rotate which row goes first. The table shows medians of wall time and of CPU time
//! (user + system of the whole process tree), and the ratio of the medians;
//! CPU time is the steadier of the two on a shared, loaded machine.
//! No assertion on time. A missing tool (compiler, emulator, make) is a
//! set-up error with exit status 2, never a ratio over different work.
//!
//!     cargo build --release -p xnix && cargo run --release -p xnix-bench --bin cross -- [PKG] [TARGET] [--reps N]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use xnix_bench::{find_xnix, median, program_available, run_measured, workspace_root, Table};

/// The cross/native wall-time ratio the project aims for (row 1).
const TARGET_RATIO: f64 = 1.15;

/// Exit status for a set-up error (missing tool, evaluation failure).
const SETUP_ERROR: i32 = 2;
/// Exit status for a failed build.
const BUILD_ERROR: i32 = 1;

/// A failure that ends the benchmark, with the exit status it maps to.
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

/// One timed run: wall time and CPU time of the process tree.
#[derive(Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    /// User-space instructions retired by the process tree (`perf stat`),
    /// when the machine's performance counters can be read.
    instructions: Option<f64>,
}

/// Whether `perf stat` can count instructions here (set once at start).
static COUNT_INSTRUCTIONS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// The event counted: instructions in user space, which do not depend on
/// how busy the machine is (unlike wall and even CPU time).
const PERF_EVENT: &str = "instructions:u";

/// `cmd` run under `perf stat`, which writes its count to `out`.
fn under_perf(cmd: &Command, out: &Path) -> Command {
    let mut p = Command::new("perf");
    p.args(["stat", "-x", ",", "-e", PERF_EVENT, "-o"])
        .arg(out)
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => p.env(k, v),
            None => p.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        p.current_dir(dir);
    }
    p
}

/// The instruction count in `perf stat -x ,` output, if it counted.
fn parse_perf(text: &str) -> Option<f64> {
    text.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2].starts_with("instructions"))
        .and_then(|f| f[0].trim().parse::<u64>().ok())
        .map(|n| n as f64)
}

/// Whether `perf stat` counts instructions of a child on this machine.
fn perf_counts() -> bool {
    let Ok(out) = tempfile::NamedTempFile::new() else {
        return false;
    };
    under_perf(&Command::new("true"), out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && std::fs::read_to_string(out.path())
            .ok()
            .and_then(|t| parse_perf(&t))
            .is_some_and(|n| n > 0.0)
}

/// Runs `cmd` to completion and measures it; the error carries its output.
fn timed(cmd: &mut Command, what: &str) -> Result<(Sample, Vec<u8>), Failure> {
    // The measurement's CPU time covers the whole process tree: the builders
    // are xnix's children and are reaped by it.
    let count = *COUNT_INSTRUCTIONS.get().unwrap_or(&false);
    let counts = if count {
        Some(tempfile::NamedTempFile::new().map_err(|e| setup(format!("a scratch file: {e}")))?)
    } else {
        None
    };
    let mut perf_cmd = counts.as_ref().map(|f| under_perf(cmd, f.path()));
    let cmd = perf_cmd.as_mut().unwrap_or(cmd);
    let m = run_measured(cmd).map_err(|e| setup(format!("{what}: cannot run: {e}")))?;
    if !m.status.success() {
        return Err(failed(format!(
            "{what} failed ({}):\n{}{}",
            m.status,
            String::from_utf8_lossy(&m.stdout),
            String::from_utf8_lossy(&m.stderr)
        )));
    }
    Ok((
        Sample {
            wall: m.wall.as_secs_f64(),
            cpu: m.cpu.as_secs_f64(),
            instructions: counts
                .and_then(|f| std::fs::read_to_string(f.path()).ok())
                .and_then(|t| parse_perf(&t)),
        },
        m.stdout,
    ))
}

/// The xnix binary and the store settings every invocation shares.
struct Xnix {
    bin: PathBuf,
    pkgs: PathBuf,
}

impl Xnix {
    fn command(&self, root: &Path) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env("XNIX_STORE_ROOT", root)
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR");
        cmd
    }

    /// `xnix build` of one package (an attribute path or, with `expr`, a Nix
    /// expression) into the store under `root`; returns the measurement and
    /// the printed output paths.
    fn build(&self, root: &Path, what: &Build) -> Result<(Sample, String), Failure> {
        let mut cmd = self.command(root);
        cmd.arg("build").arg("--no-out-link");
        match what {
            Build::Attr(attr) => cmd.arg(&self.pkgs).args(["-A", attr]),
            Build::Expr(expr) => cmd.args(["-E", expr]),
        };
        let (sample, out) = timed(&mut cmd, &format!("xnix build {}", what.describe()))?;
        Ok((sample, String::from_utf8_lossy(&out).trim().to_string()))
    }

    /// Evaluates `expr` strictly and returns it as JSON.
    fn eval_json(&self, root: &Path, expr: &str) -> Result<Value, Failure> {
        let out = self
            .command(root)
            .args(["eval", "--strict", "--json", "-E", expr])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| setup(format!("cannot run {}: {e}", self.bin.display())))?;
        if !out.status.success() {
            return Err(setup(format!(
                "evaluating the package set failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        serde_json::from_slice(&out.stdout)
            .map_err(|e| setup(format!("xnix eval --json printed no JSON: {e}")))
    }

    /// Puts the source file `file` (named as in the store) into the store
    /// under `root` as a flat SHA-256 fixed output, as `fetchurl` makes it;
    /// returns the store path.
    fn add_source(&self, root: &Path, file: &Path) -> Result<String, Failure> {
        let out = self
            .command(root)
            .args(["store", "add", "--fixed", "sha256"])
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| setup(format!("cannot run {}: {e}", self.bin.display())))?;
        if !out.status.success() {
            return Err(failed(format!(
                "xnix store add {} failed:\n{}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// What one xnix build builds.
enum Build {
    Attr(String),
    Expr(String),
}

impl Build {
    fn describe(&self) -> String {
        match self {
            Build::Attr(a) => format!("-A {a}"),
            Build::Expr(e) => format!("-E '{e}'"),
        }
    }
}

/// How a fresh store root gets the package's source without downloading it.
enum SourceSeed {
    /// The downloaded file, named as in the store, added as a fixed output.
    File { file: PathBuf, store_path: String },
    /// Not a plain file (e.g. an unpacked tree): built in each root.
    Build(Build),
}

/// The build machine's compilers and tools behind a wrapper, from evaluation.
struct Toolchain {
    cc: String,
    bin_prefix: String,
}

/// A fresh store root that is deleted afterwards (store paths are read-only,
/// so they are made writable first).
struct FreshRoot(tempfile::TempDir);

impl FreshRoot {
    fn new() -> Result<Self, Failure> {
        tempfile::Builder::new()
            .prefix("xnix-bench-cross-")
            .tempdir()
            .map(FreshRoot)
            .map_err(|e| setup(format!("cannot create a scratch store root: {e}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for FreshRoot {
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(self.0.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// One row of the comparison: how to get one native and one cross sample.
enum Row {
    Xnix {
        label: String,
        native: Build,
        cross: Build,
    },
    PlainMake {
        label: String,
        native: Toolchain,
        cross: Toolchain,
    },
}

impl Row {
    fn label(&self) -> &str {
        match self {
            Row::Xnix { label, .. } | Row::PlainMake { label, .. } => label,
        }
    }
}

struct Bench {
    xnix: Xnix,
    seed: SourceSeed,
    /// The source tarball, for the plain-make row.
    source_file: Option<PathBuf>,
    jobs: usize,
}

impl Bench {
    /// A fresh store root holding the package's source.
    fn fresh_root(&self) -> Result<FreshRoot, Failure> {
        let root = FreshRoot::new()?;
        match &self.seed {
            SourceSeed::File { file, store_path } => {
                let added = self.xnix.add_source(root.path(), file)?;
                if &added != store_path {
                    return Err(setup(format!(
                        "the copied source landed at {added}, not at {store_path}"
                    )));
                }
            }
            SourceSeed::Build(b) => {
                self.xnix.build(root.path(), b)?;
            }
        }
        Ok(root)
    }

    fn xnix_sample(&self, build: &Build) -> Result<(Sample, String), Failure> {
        let root = self.fresh_root()?;
        self.xnix.build(root.path(), build)
    }

    /// `make -C src linux` of lua's source with `tc`'s compiler, in a fresh
    /// directory; unpacking is not timed.
    fn make_sample(&self, tc: &Toolchain) -> Result<Sample, Failure> {
        let tarball = self
            .source_file
            .as_ref()
            .ok_or_else(|| setup("the plain make needs the source as a file"))?;
        let dir = tempfile::Builder::new()
            .prefix("xnix-bench-make-")
            .tempdir()
            .map_err(|e| setup(format!("cannot create a scratch directory: {e}")))?;
        let status = Command::new("tar")
            .arg("-xf")
            .arg(tarball)
            .arg("--strip-components=1")
            .current_dir(dir.path())
            .status()
            .map_err(|e| setup(format!("cannot run tar: {e}")))?;
        if !status.success() {
            return Err(failed(format!("unpacking {} failed", tarball.display())));
        }
        let mut cmd = Command::new("make");
        // A make started by cargo would otherwise inherit its jobserver.
        cmd.current_dir(dir.path())
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL")
            .args(["-C", "src"])
            .arg(format!("-j{}", self.jobs))
            .arg("linux")
            .arg(format!("CC={} -std=gnu99", tc.cc))
            .arg(format!("AR={}ar rcu", tc.bin_prefix))
            .arg(format!("RANLIB={}ranlib", tc.bin_prefix));
        let (sample, _) = timed(&mut cmd, &format!("make of lua with {}", tc.cc))?;
        Ok(sample)
    }

    /// One native and one cross sample of `row`, in the given order.
    fn pair(&self, row: &Row, cross_first: bool) -> Result<(Sample, Sample), Failure> {
        let (mut native, mut cross) = (None, None);
        for is_cross in [cross_first, !cross_first] {
            match row {
                Row::Xnix {
                    native: n,
                    cross: c,
                    ..
                } => {
                    let (s, out) = self.xnix_sample(if is_cross { c } else { n })?;
                    if is_cross { &mut cross } else { &mut native }.replace((s, out));
                }
                Row::PlainMake {
                    native: n,
                    cross: c,
                    ..
                } => {
                    let s = self.make_sample(if is_cross { c } else { n })?;
                    if is_cross { &mut cross } else { &mut native }.replace((s, String::new()));
                }
            }
        }
        let ((n, n_out), (c, c_out)) = (native.expect("ran"), cross.expect("ran"));
        if matches!(row, Row::Xnix { .. }) && (n_out.is_empty() || n_out == c_out) {
            return Err(failed(format!(
                "the native and cross builds printed the same output paths ({n_out:?}): \
                 the cross attribute did not cross compile"
            )));
        }
        Ok((n, c))
    }
}

/// Nix attribute path syntax the benchmark accepts for PKG and TARGET.
fn plain_attr_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
                && !part.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '\'')
        })
}

/// `s` as a Nix string literal: JSON's escapes are Nix's, but for `${`.
fn nix_string(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string serialises")
        .replace("${", "\\${")
}

fn run() -> Result<(), Failure> {
    let mut positional = Vec::new();
    let mut reps = 4usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--reps" {
            reps = args
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| setup("--reps takes a positive whole number"))?;
        } else if a.starts_with('-') {
            return Err(setup(format!(
                "unknown option {a}; usage: cross [PKG] [TARGET] [--reps N]"
            )));
        } else {
            positional.push(a);
        }
    }
    if positional.len() > 2 {
        return Err(setup("usage: cross [PKG] [TARGET] [--reps N]"));
    }
    let pkg = positional.first().cloned().unwrap_or_else(|| "lua".into());
    let target = positional
        .get(1)
        .cloned()
        .unwrap_or_else(|| "aarch64-multiplatform".into());
    for (what, s) in [("PKG", &pkg), ("TARGET", &target)] {
        if !plain_attr_path(s) {
            return Err(setup(format!(
                "{what} {s:?} is not a plain attribute name (letters, digits, _ - ' and dots)"
            )));
        }
    }
    let xnix = Xnix {
        bin: find_xnix().map_err(setup)?,
        pkgs: workspace_root().join("pkgs"),
    };
    for tool in ["make", "tar", "chmod"] {
        if !program_available(tool) {
            return Err(setup(format!(
                "`{tool}` is missing on this machine; install it (scripts/install-deps test)"
            )));
        }
    }

    // What the two builds use, from the package set itself: the compilers
    // behind the wrappers, whether the cross build can run host programs,
    // whether the recipe checks, and the source.
    let pkgs_expr = format!(
        "(import {} {{ }})",
        nix_string(&xnix.pkgs.to_string_lossy())
    );
    let cross_set = format!("{pkgs_expr}.pkgsCross.{target}");
    let info_expr = format!(
        "let n = {pkgs_expr}; c = {cross_set}; in {{ \
           nativeCc = n.stdenv.cc.realCc; nativePrefix = n.stdenv.cc.binPrefix; \
           crossCc = c.stdenv.cc.realCc; crossPrefix = c.stdenv.cc.binPrefix; \
           emulator = c.stdenv.buildPlatform.canExecute c.stdenv.hostPlatform \
             || c.stdenv.hostPlatform.emulatorAvailable c.buildPackages; \
           qemu = if c.stdenv.hostPlatform.isLinux && c.stdenv.hostPlatform ? qemuArch then \"/usr/bin/qemu-\" + c.stdenv.hostPlatform.qemuArch else null; \
           nativeCheck = n.{pkg}.doCheck or false; crossCheck = c.{pkg}.doCheck or false; \
           nativeSrc = n.{pkg}.src.outPath or null; crossSrc = c.{pkg}.src.outPath or null; \
           srcFlat = (n.{pkg}.src.outputHashMode or \"flat\") == \"flat\" \
             && (builtins.substring 0 7 (n.{pkg}.src.outputHash or \"\") == \"sha256-\" \
               || (n.{pkg}.src.outputHashAlgo or \"\") == \"sha256\"); }}"
    );
    let probe_root = FreshRoot::new()?;
    let info = xnix.eval_json(probe_root.path(), &info_expr)?;
    let text = |k: &str| info[k].as_str().map(str::to_string);
    let flag = |k: &str| info[k].as_bool().unwrap_or(false);
    if !flag("emulator") {
        let how = match text("qemu") {
            Some(qemu) => {
                format!("{qemu} is missing; install qemu-user (scripts/install-deps test)")
            }
            None => "the package set knows no emulator for it; pick a Linux target".into(),
        };
        return Err(setup(format!(
            "this machine cannot run {target} programs during a build: {how}. Without an \
             emulator the cross build skips its emulated steps and the ratio would compare \
             different work"
        )));
    }
    let toolchain = |cc: &str, prefix: &str| -> Result<Toolchain, Failure> {
        let cc = text(cc).ok_or_else(|| setup(format!("the package set names no {cc}")))?;
        if !program_available(&cc) {
            return Err(setup(format!(
                "the compiler {cc} does not run; install its Debian package (scripts/install-deps test)"
            )));
        }
        Ok(Toolchain {
            cc,
            bin_prefix: text(prefix).unwrap_or_default(),
        })
    };
    let native_tc = toolchain("nativeCc", "nativePrefix")?;
    let cross_tc = toolchain("crossCc", "crossPrefix")?;

    // The source, downloaded once (untimed) and copied into every fresh root.
    let seed_dir = tempfile::Builder::new()
        .prefix("xnix-bench-source-")
        .tempdir()
        .map_err(|e| setup(format!("cannot create a scratch directory: {e}")))?;
    let src_attr = Build::Attr(format!("{pkg}.src"));
    let (seed, source_file) = match (text("nativeSrc"), text("crossSrc")) {
        (Some(n), Some(c)) if n == c && flag("srcFlat") => {
            eprintln!("fetching the source of {pkg} once (not timed)");
            xnix.build(probe_root.path(), &src_attr)?;
            let base = n.rsplit('/').next().unwrap_or(&n);
            let name = base.split_once('-').map(|(_, name)| name).unwrap_or(base);
            let file = seed_dir.path().join(name);
            let physical = probe_root.path().join(n.trim_start_matches('/'));
            std::fs::copy(&physical, &file).map_err(|e| {
                setup(format!(
                    "cannot copy the fetched source {}: {e}",
                    physical.display()
                ))
            })?;
            (
                SourceSeed::File {
                    file: file.clone(),
                    store_path: n,
                },
                Some(file),
            )
        }
        (Some(_), _) => (SourceSeed::Build(src_attr), None),
        _ => {
            return Err(setup(format!(
                "{pkg} has no `src`; the benchmark copies the source in untimed"
            )))
        }
    };
    drop(probe_root);

    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let bench = Bench {
        xnix,
        seed,
        source_file,
        jobs,
    };

    let mut rows = vec![Row::Xnix {
        label: format!("xnix build {pkg} -> {target}, checks as for users"),
        native: Build::Attr(pkg.clone()),
        cross: Build::Attr(format!("pkgsCross.{target}.{pkg}")),
    }];
    if flag("nativeCheck") || flag("crossCheck") {
        let no_check =
            |set: &str| format!("({set}.{pkg}).overrideAttrs (_: {{ doCheck = false; }})");
        rows.push(Row::Xnix {
            label: "xnix build, doCheck = false".into(),
            native: Build::Expr(no_check(&pkgs_expr)),
            cross: Build::Expr(no_check(&cross_set)),
        });
    }
    if pkg == "lua" && bench.source_file.is_some() {
        rows.push(Row::PlainMake {
            label: "plain make, no xnix (compilers only)".into(),
            native: native_tc,
            cross: cross_tc,
        });
    }

    let count_instructions = perf_counts();
    COUNT_INSTRUCTIONS
        .set(count_instructions)
        .expect("set once, before any measurement");
    eprintln!(
        "{} rows x {reps} repetitions, native and cross alternating; load average before: {}",
        rows.len(),
        load_average()
    );
    let mut samples: Vec<(Vec<Sample>, Vec<Sample>)> = vec![(Vec::new(), Vec::new()); rows.len()];
    for rep in 0..reps {
        // The rows take turns going first too: on a shared machine, load
        // that follows a pattern would otherwise always hit the same row.
        for k in 0..rows.len() {
            let i = (k + rep) % rows.len();
            let row = &rows[i];
            // A row's native and cross runs stay adjacent (same machine
            // state) and alternate which goes first.
            let cross_first = rep % 2 == 1;
            let (n, c) = bench.pair(row, cross_first)?;
            eprintln!(
                "  rep {}: {}: native {:.2} s ({:.2} s CPU{}), cross {:.2} s ({:.2} s CPU{})",
                rep + 1,
                row.label(),
                n.wall,
                n.cpu,
                giga(n.instructions),
                c.wall,
                c.cpu,
                giga(c.instructions)
            );
            samples[i].0.push(n);
            samples[i].1.push(c);
        }
    }

    let mut table = Table::new([
        "what",
        "native s",
        "cross s",
        "ratio",
        "native CPU s",
        "cross CPU s",
        "CPU ratio",
        "Ginstr ratio",
        "target <= 1.15",
    ]);
    for (i, (row, (native, cross))) in rows.iter().zip(&samples).enumerate() {
        let med = |v: &[Sample], f: fn(&Sample) -> f64| {
            median(&v.iter().map(f).collect::<Vec<_>>()).expect("at least one repetition")
        };
        let (nw, cw) = (med(native, |s| s.wall), med(cross, |s| s.wall));
        let (nc, cc) = (med(native, |s| s.cpu), med(cross, |s| s.cpu));
        let instructions = |v: &[Sample]| {
            let counts: Option<Vec<f64>> = v.iter().map(|s| s.instructions).collect();
            counts.and_then(|c| median(&c))
        };
        let instr_ratio = match (instructions(native), instructions(cross)) {
            (Some(n), Some(c)) => format!("{:.2}", c / n),
            _ => "n/a".to_string(),
        };
        let verdict = if i == 0 {
            if cw / nw <= TARGET_RATIO {
                "met"
            } else {
                "not met"
            }
        } else {
            "(reference)"
        };
        table.row([
            row.label().to_string(),
            format!("{nw:.2}"),
            format!("{cw:.2}"),
            format!("{:.2}", cw / nw),
            format!("{nc:.2}"),
            format!("{cc:.2}"),
            format!("{:.2}", cc / nc),
            instr_ratio,
            verdict.to_string(),
        ]);
    }
    println!("{}", table.render());
    println!(
        "medians of {reps} repetitions; ratio = cross/native of the medians; every xnix build \
         in a fresh store; make -j{jobs}; load average after: {}",
        load_average()
    );
    if !count_instructions {
        println!(
            "Ginstr ratio n/a: `perf stat -e {PERF_EVENT}` cannot count here (perf missing, \
             no hardware counters, or kernel.perf_event_paranoid too high)"
        );
    }
    Ok(())
}

/// ", N Ginstr" for a counted run, nothing otherwise.
fn giga(instructions: Option<f64>) -> String {
    instructions
        .map(|n| format!(", {:.2} Ginstr", n / 1e9))
        .unwrap_or_default()
}

/// The 1, 5 and 15 minute load averages, for judging how noisy a run was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    if let Err(f) = run() {
        eprintln!("cross: {}", f.message);
        std::process::exit(f.status);
    }
}
