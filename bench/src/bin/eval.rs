//! Evaluation benchmark: `xnix eval --strict` against Nix 2.8's
//! `nix-instantiate --eval --strict`, in the same run, on the programs in
//! `bench/eval/*.nix`.
//!
//! For every file both programs first run once untimed (a warm-up whose
//! outputs must be identical), then `--reps` timed runs each, interleaved so
//! that drift in machine load hits both alike. The table reports median wall
//! time, median peak RSS, their xnix/Nix ratios, and whether xnix meets the
//! targets: faster than Nix, and no more memory than Nix.
//!
//! Usage: `cargo run --release -p xnix-bench --bin eval -- [--reps N] [SUBSTRING...]`
//! (needs `cargo build --release -p xnix` first, or `XNIX_BIN=/path/to/xnix`).
//!
//! Exit status: 0 when every file evaluated on both sides with identical
//! output, 1 otherwise, 2 on a usage or set-up error. Missing a speed or
//! memory target is reported, not an error.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use xnix_bench::{find_xnix, median, program_available, run_measured, Measurement, Table};

/// The reference implementation.
const NIX_INSTANTIATE: &str = "nix-instantiate";

/// Timed repetitions per program and file unless `--reps` says otherwise.
const DEFAULT_REPS: usize = 5;

struct Options {
    reps: usize,
    filters: Vec<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        reps: DEFAULT_REPS,
        filters: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => {
                let value = args.next().ok_or("--reps needs a number")?;
                options.reps = value
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or_else(|| format!("--reps expects a positive number, got {value:?}"))?;
            }
            "-h" | "--help" => {
                return Err("usage: eval [--reps N] [SUBSTRING...]\n\
                     Runs bench/eval/*.nix (those whose name contains a SUBSTRING, if given)\n\
                     through nix-instantiate and xnix and prints time and memory side by side."
                    .to_string())
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown option {other:?}; try --help"))
            }
            other => options.filters.push(other.to_string()),
        }
    }
    Ok(options)
}

/// One side's results for one file.
enum SideResult {
    /// The warm-up run failed; its stderr says why.
    Failed(String),
    /// Medians over the timed runs.
    Measured { ms: f64, mib: f64 },
}

impl SideResult {
    fn from_runs(runs: &[Measurement]) -> SideResult {
        let ms: Vec<f64> = runs.iter().map(|m| m.wall.as_secs_f64() * 1000.0).collect();
        let mib: Vec<f64> = runs.iter().map(Measurement::max_rss_mib).collect();
        SideResult::Measured {
            ms: median(&ms).unwrap_or(f64::NAN),
            mib: median(&mib).unwrap_or(f64::NAN),
        }
    }

    fn cells(&self) -> (String, String) {
        match self {
            SideResult::Failed(_) => ("failed".to_string(), "-".to_string()),
            SideResult::Measured { ms, mib } => (format!("{ms:.1}"), format!("{mib:.1}")),
        }
    }
}

fn evaluation_command(
    program: &Path,
    is_xnix: bool,
    file: &Path,
    root: &Path,
    home: &Path,
    xnix: &Path,
) -> Command {
    let mut cmd = Command::new(program);
    if is_xnix {
        cmd.args(["eval", "--strict"]);
    } else {
        // Read-only: derivations and toFile compute paths without writing.
        cmd.args(["--eval", "--strict", "--readonly-mode"]);
        // Files that use the collection (system-config.nix) elaborate platforms through
        // xnix's platform library, which Nix reaches through this shim.
        cmd.args([
            "-I",
            "xnix-dev-shim=tests/pkgs/nix-platform-shim.nix",
            "--option",
            "allow-unsafe-native-code-during-evaluation",
            "true",
        ])
        .env("XNIX_BIN", xnix);
    }
    cmd.arg(file)
        .current_dir(root)
        .env("NIX_PATH", "")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("NIX_REMOTE")
        .env_remove("NIX_SHOW_STATS");
    cmd
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(160).collect()
}

fn run() -> Result<bool, String> {
    let options = parse_args()?;
    if !program_available(NIX_INSTANTIATE) {
        return Err(format!(
            "`{NIX_INSTANTIATE}` (Nix 2.8) is needed as the reference; install it with \
             `scripts/install-deps test`"
        ));
    }
    let xnix = find_xnix()?;
    let root = xnix_bench::workspace_root();
    let bench_dir = root.join("bench/eval");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&bench_dir)
        .map_err(|e| format!("cannot read {}: {e}", bench_dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            options.filters.is_empty() || options.filters.iter().any(|f| name.contains(f.as_str()))
        })
        .map(|p| p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "no benchmark file in {} matches {:?}",
            bench_dir.display(),
            options.filters
        ));
    }
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot create a scratch HOME: {e}"))?;
    let nix = PathBuf::from(NIX_INSTANTIATE);

    println!(
        "eval benchmark: {} files, {} timed runs each, xnix = {}",
        files.len(),
        options.reps,
        xnix.display()
    );
    let mut table = Table::new([
        "file", "nix ms", "xnix ms", "time x", "nix MiB", "xnix MiB", "mem x", "faster", "mem<=",
        "output",
    ]);
    let mut all_identical = true;
    let mut targets_met = 0usize;
    let mut notes = Vec::new();

    for file in &files {
        let display = file.display().to_string();
        eprintln!("running {display} ...");
        let measure = |is_xnix: bool| -> Result<Measurement, String> {
            let program = if is_xnix { &xnix } else { &nix };
            run_measured(&mut evaluation_command(
                program,
                is_xnix,
                file,
                &root,
                scratch.path(),
                &xnix,
            ))
            .map_err(|e| format!("cannot run {}: {e}", program.display()))
        };
        let nix_warm = measure(false)?;
        let xnix_warm = measure(true)?;
        let (mut nix_runs, mut xnix_runs) = (Vec::new(), Vec::new());
        let nix_ok = nix_warm.status.success();
        let xnix_ok = xnix_warm.status.success();
        for _ in 0..options.reps {
            if nix_ok {
                nix_runs.push(measure(false)?);
            }
            if xnix_ok {
                xnix_runs.push(measure(true)?);
            }
        }
        let nix_result = if nix_ok {
            SideResult::from_runs(&nix_runs)
        } else {
            SideResult::Failed(first_line(&nix_warm.stderr))
        };
        let xnix_result = if xnix_ok {
            SideResult::from_runs(&xnix_runs)
        } else {
            SideResult::Failed(first_line(&xnix_warm.stderr))
        };
        let output = match (nix_ok, xnix_ok) {
            (true, true) if nix_warm.stdout == xnix_warm.stdout => "identical",
            (true, true) => {
                notes.push(format!(
                    "{display}: outputs differ\n  nix:  {}\n  xnix: {}",
                    first_line(&nix_warm.stdout),
                    first_line(&xnix_warm.stdout)
                ));
                "DIFFERENT"
            }
            _ => "FAILED",
        };
        for (who, result) in [("nix", &nix_result), ("xnix", &xnix_result)] {
            if let SideResult::Failed(why) = result {
                notes.push(format!("{display}: {who} failed: {why}"));
            }
        }
        all_identical &= output == "identical";

        let (nix_ms, nix_mib) = nix_result.cells();
        let (xnix_ms, xnix_mib) = xnix_result.cells();
        let (time_ratio, mem_ratio, faster, leaner) = match (&nix_result, &xnix_result) {
            (
                SideResult::Measured {
                    ms: n_ms,
                    mib: n_mib,
                },
                SideResult::Measured {
                    ms: x_ms,
                    mib: x_mib,
                },
            ) => {
                let faster = x_ms < n_ms;
                let leaner = x_mib <= n_mib;
                if faster && leaner && output == "identical" {
                    targets_met += 1;
                }
                (
                    format!("{:.2}", x_ms / n_ms),
                    format!("{:.2}", x_mib / n_mib),
                    if faster { "yes" } else { "no" }.to_string(),
                    if leaner { "yes" } else { "no" }.to_string(),
                )
            }
            _ => ("-".into(), "-".into(), "no".into(), "no".into()),
        };
        table.row([
            display,
            nix_ms,
            xnix_ms,
            time_ratio,
            nix_mib,
            xnix_mib,
            mem_ratio,
            faster,
            leaner,
            output.to_string(),
        ]);
    }

    println!();
    print!("{}", table.render());
    println!();
    println!(
        "targets (faster than Nix and memory <= Nix, identical output) met on {targets_met} of {} files",
        files.len()
    );
    for note in &notes {
        println!("note: {note}");
    }
    Ok(all_identical)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("eval benchmark: {message}");
            ExitCode::from(2)
        }
    }
}
