//! Differential test of `xnix eval` against Nix 2.8's `nix-instantiate --eval`.
//!
//! Every `*.nix` file under `tests/eval/` (except helper files inside a `lib/`
//! directory, which tests import) is evaluated by both programs, run from the
//! workspace root with the same relative path. The test requires
//!
//! - the same outcome (both succeed or both fail), and
//! - byte-identical standard output when both succeed.
//!
//! For failures nothing else is compared (error messages differ by design),
//! but both standard error streams are printed to help debugging. An xnix
//! failure that is a panic or a death by signal is never accepted, even when
//! Nix fails too: bad input must give a clear error, not a crash.
//!
//! How a file is evaluated depends on the top-level directory it lives in:
//!
//! | directory          | flags                  |
//! | ------------------ | ---------------------- |
//! | `tests/eval/json/` | `--strict --json`      |
//! | `tests/eval/lazy/` | none (thunks print as `<CODE>`) |
//! | anything else      | `--strict`             |
//!
//! Under `tests/eval/errmsg/` error messages are compared too: when both fail,
//! the first line of the error and its `at FILE:LINE:COLUMN:` line (if Nix
//! prints one) must be the same.
//!
//! The corpus checks itself too: a file whose name starts with `err-` must
//! fail under Nix, any other file must succeed under Nix; a mismatch is
//! reported as a corpus error. So is a recording (`NAME.out`/`NAME.err`
//! beside the file, written by `tests/eval/record.sh` and checked without Nix
//! by `cargo test -p xnix-eval --test corpus`) that is no longer what Nix says.
//!
//! Environment:
//! - `XNIX_EVAL_FILTER=<substring>` runs only files whose path contains it;
//! - `XNIX_EVAL_JOBS=<n>` sets the number of parallel workers (default 2..4);
//! - `XNIX_EVAL_TIMEOUT=<seconds>` bounds each evaluation (default 60);
//! - `XNIX_EVAL_BIN=<path>` tests another binary instead of the built xnix
//!   (it is called as `<path> eval [flags] FILE`).
//!
//! Nix runs with `--readonly-mode` and a private empty store
//! (`--store local?root=<scratch>`), so derivations and `toFile` compute their
//! store paths without writing anywhere; both programs get an empty
//! `NIX_PATH` and a fresh `HOME`, so nothing on the machine leaks in.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The reference implementation the corpus is checked against.
const NIX_INSTANTIATE: &str = "nix-instantiate";

/// How many characters of each output a failure report shows.
const REPORT_LIMIT: usize = 1500;

/// How a corpus file is evaluated, chosen by its top-level directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Strict,
    StrictJson,
    Lazy,
}

impl Mode {
    fn for_relative_path(relative: &Path) -> Mode {
        match relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
        {
            Some("json") => Mode::StrictJson,
            Some("lazy") => Mode::Lazy,
            _ => Mode::Strict,
        }
    }

    fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::Strict => &["--strict"],
            Mode::StrictJson => &["--strict", "--json"],
            Mode::Lazy => &[],
        }
    }
}

/// What one program did with one file.
struct Outcome {
    /// `None` when the process was killed by us (timeout) or could not start.
    status: Option<ExitStatus>,
    /// Raw bytes: values may hold strings that are not valid UTF-8.
    stdout: Vec<u8>,
    stderr: String,
    timed_out: bool,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success()) && !self.timed_out
    }

    fn describe(&self) -> String {
        if self.timed_out {
            return "timed out".to_string();
        }
        match self.status {
            None => "did not start".to_string(),
            Some(s) if s.success() => "succeeded".to_string(),
            Some(s) => match s.code() {
                Some(code) => format!("failed (exit {code})"),
                None => format!("killed ({s})"),
            },
        }
    }

    /// A crash rather than an evaluation error: a panic or a signal.
    fn crashed(&self) -> bool {
        let by_signal = self.status.is_some_and(|s| s.code().is_none());
        by_signal
            || self.stderr.contains("panicked at")
            || self.stderr.contains("overflowed its stack")
    }
}

/// The verdict for one corpus file.
struct Verdict {
    file: String,
    mode: Mode,
    problem: Option<String>,
    nix: Outcome,
    xnix: Outcome,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix sits two levels below the workspace root")
        .to_path_buf()
}

/// Every test file under `dir`, sorted, skipping helpers under `lib/`.
fn collect_corpus(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read corpus directory {}: {e}", dir.display()))
        .map(|e| e.expect("readable directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "lib") {
                continue;
            }
            collect_corpus(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// Runs `cmd` to completion or until `timeout`, capturing both streams.
fn run_bounded(mut cmd: Command, timeout: Duration) -> Outcome {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Outcome {
                status: None,
                stdout: Vec::new(),
                stderr: format!("could not start {cmd:?}: {e}"),
                timed_out: false,
            }
        }
    };
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stdout_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        buf
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let stdout = stdout_reader.join().unwrap_or_default();
    let stderr = stderr_reader.join().unwrap_or_default();
    Outcome {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    }
}

/// A command with the environment both programs share: an empty `NIX_PATH`
/// and a private `HOME`, run from the workspace root.
fn isolated_command(program: &Path, root: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root)
        .env("NIX_PATH", "")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env_remove("NIX_REMOTE")
        .env_remove("NIX_STORE_DIR")
        .env_remove("NIX_SHOW_STATS")
        .env_remove("NIX_COUNT_CALLS")
        .env_remove("RUST_BACKTRACE");
    cmd
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= REPORT_LIMIT {
        return text.to_string();
    }
    let head: String = text.chars().take(REPORT_LIMIT).collect();
    format!("{head}... [{} more bytes]", text.len() - head.len())
}

/// Standard output shown so that every byte is visible: printable UTF-8
/// stays as is, newlines, tabs, control characters and invalid bytes are
/// escaped, so outputs that differ only in a trailing newline or in one raw
/// byte look different in the report too.
fn show_bytes(bytes: &[u8]) -> String {
    let mut shown = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => shown.push_str("\\n"),
                '\t' => shown.push_str("\\t"),
                '\r' => shown.push_str("\\r"),
                '\\' => shown.push_str("\\\\"),
                c if c.is_control() => shown.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => shown.push(c),
            }
        }
        for b in chunk.invalid() {
            shown.push_str(&format!("\\x{b:02x}"));
        }
    }
    truncate(&shown)
}

/// Where two outputs first differ, for the failure report.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    format!(
        "first difference at byte {at} (nix has {} bytes, xnix {})",
        a.len(),
        b.len()
    )
}

fn judge(file: &str, nix: &Outcome, xnix: &Outcome) -> Option<String> {
    let stem = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let expect_failure = stem.starts_with("err-");
    if nix.timed_out {
        return Some("corpus error: Nix timed out on this file".to_string());
    }
    if expect_failure && nix.succeeded() {
        return Some(
            "corpus error: file is named err-* but Nix evaluates it successfully".to_string(),
        );
    }
    if !expect_failure && !nix.succeeded() {
        return Some(
            "corpus error: Nix fails on this file but its name does not start with err-"
                .to_string(),
        );
    }
    if xnix.crashed() {
        return Some(format!(
            "xnix crashed ({}) instead of reporting an error",
            xnix.describe()
        ));
    }
    match (nix.succeeded(), xnix.succeeded()) {
        (true, true) if nix.stdout == xnix.stdout => None,
        (true, true) => Some("outputs differ".to_string()),
        (false, false) if xnix.stderr.trim().is_empty() => {
            Some("both failed, but xnix printed no error message".to_string())
        }
        (false, false) if file.contains("errmsg/") => {
            let (n, x) = (error_summary(&nix.stderr), error_summary(&xnix.stderr));
            (n != x).then(|| format!("error messages differ:\n  nix:  {n}\n  xnix: {x}"))
        }
        (false, false) => None,
        (true, false) => Some(format!("Nix succeeded but xnix {}", xnix.describe())),
        (false, true) => Some("Nix failed but xnix succeeded".to_string()),
    }
}

/// Whether the recording beside `file` disagrees with what Nix did just now.
fn stale_recording(root: &Path, file: &str, nix: &Outcome) -> Option<String> {
    let base = root.join(file.trim_end_matches(".nix"));
    let fix = format!("corpus error: the recording is stale; run tests/eval/record.sh {file}");
    if nix.succeeded() {
        match std::fs::read(base.with_extension("out")) {
            Ok(recorded) if recorded == nix.stdout => None,
            _ => Some(fix),
        }
    } else {
        let Ok(recorded) = std::fs::read(base.with_extension("err")) else {
            return Some(fix);
        };
        let recorded = String::from_utf8_lossy(&recorded);
        let live = nix.stderr.replace(&*root.to_string_lossy(), "@ROOT@");
        (error_summary(&recorded) != error_summary(&live)).then_some(fix)
    }
}

/// The first line of an error report and the line naming its position, if any.
fn error_summary(stderr: &str) -> String {
    let first = stderr.lines().next().unwrap_or_default();
    match stderr.lines().find(|l| l.trim_start().starts_with("at ")) {
        Some(at) => format!("{first} | {}", at.trim()),
        None => first.to_string(),
    }
}

fn nix_available() -> Result<String, String> {
    match Command::new(NIX_INSTANTIATE).arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        Ok(out) => Err(format!(
            "`{NIX_INSTANTIATE} --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("cannot run `{NIX_INSTANTIATE}`: {e}")),
    }
}

#[test]
fn eval_matches_nix() {
    let nix_version = nix_available().unwrap_or_else(|why| {
        panic!(
            "the eval differential test needs Nix 2.8 as its reference, but {why}.\n\
             Install it with `scripts/install-deps test` (Debian package nix-bin)."
        )
    });
    let root = workspace_root();
    let corpus_dir = root.join("tests/eval");
    let mut files = Vec::new();
    collect_corpus(&corpus_dir, &mut files);
    let filter = std::env::var("XNIX_EVAL_FILTER").unwrap_or_default();
    let files: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .expect("corpus file under the workspace root")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|rel| rel.contains(&filter))
        .collect();
    assert!(
        !files.is_empty(),
        "no corpus file under {} matches XNIX_EVAL_FILTER={filter:?}",
        corpus_dir.display()
    );

    let jobs = std::env::var("XNIX_EVAL_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(2, 4)
        })
        .max(1);
    let timeout = Duration::from_secs(
        std::env::var("XNIX_EVAL_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );
    // Overridable so the corpus itself can be checked against a stand-in.
    let xnix_bin = std::env::var_os("XNIX_EVAL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_xnix")));
    let nix_bin = PathBuf::from(NIX_INSTANTIATE);
    let scratch = tempfile::tempdir().expect("a scratch directory");

    eprintln!(
        "eval differential: {} files, {jobs} workers, reference {nix_version}, testing {}",
        files.len(),
        xnix_bin.display()
    );

    let next = AtomicUsize::new(0);
    let verdicts: Mutex<Vec<Verdict>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..jobs {
            let (next, verdicts, files) = (&next, &verdicts, &files);
            let (root, xnix_bin, nix_bin) = (&root, &xnix_bin, &nix_bin);
            let home = scratch.path().join(format!("home-{worker}"));
            std::fs::create_dir_all(&home).expect("a scratch HOME");
            // A private, empty store root: Nix never touches the machine's store.
            let nix_store = format!(
                "local?root={}",
                scratch.path().join(format!("store-{worker}")).display()
            );
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(file) = files.get(index) else { break };
                let relative = Path::new(file)
                    .strip_prefix("tests/eval")
                    .expect("corpus path under tests/eval");
                let mode = Mode::for_relative_path(relative);

                let mut nix_cmd = isolated_command(nix_bin, root, &home);
                nix_cmd
                    .args(["--eval", "--readonly-mode", "--store"])
                    .arg(&nix_store)
                    .args(mode.flags())
                    .arg(file);
                let nix = run_bounded(nix_cmd, timeout);

                let mut xnix_cmd = isolated_command(xnix_bin, root, &home);
                // Nix's store directory, so that store paths in the output compare equal
                // (xnix's own default is /xnix/store).
                xnix_cmd
                    .args(["--store-dir", "/nix/store", "eval"])
                    .args(mode.flags())
                    .arg(file);
                let xnix = run_bounded(xnix_cmd, timeout);

                let problem =
                    judge(file, &nix, &xnix).or_else(|| stale_recording(root, file, &nix));
                verdicts.lock().expect("verdict list").push(Verdict {
                    file: file.clone(),
                    mode,
                    problem,
                    nix,
                    xnix,
                });
            });
        }
    });

    let mut verdicts = verdicts.into_inner().expect("verdict list");
    verdicts.sort_by(|a, b| a.file.cmp(&b.file));
    let failed: Vec<&Verdict> = verdicts.iter().filter(|v| v.problem.is_some()).collect();
    for v in &failed {
        eprintln!(
            "---- FAIL {} ({:?}): {}",
            v.file,
            v.mode,
            v.problem.as_deref().unwrap_or("")
        );
        if v.nix.succeeded() && v.xnix.succeeded() {
            eprintln!("  {}", first_difference(&v.nix.stdout, &v.xnix.stdout));
        }
        eprintln!(
            "  nix  {}:\n    stdout: {}",
            v.nix.describe(),
            show_bytes(&v.nix.stdout)
        );
        eprintln!("    stderr: {}", truncate(v.nix.stderr.trim_end()));
        eprintln!(
            "  xnix {}:\n    stdout: {}",
            v.xnix.describe(),
            show_bytes(&v.xnix.stdout)
        );
        eprintln!("    stderr: {}", truncate(v.xnix.stderr.trim_end()));
    }
    let corpus_errors = failed
        .iter()
        .filter(|v| {
            v.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("corpus error"))
        })
        .count();
    let passed = verdicts.len() - failed.len();
    println!(
        "eval differential: {passed} passed, {} failed",
        failed.len()
    );
    if corpus_errors > 0 {
        eprintln!("({corpus_errors} of the failures are corpus errors: the file disagrees with its own name under Nix)");
    }
    assert!(
        failed.is_empty(),
        "{} of {} eval corpus files differ between xnix and Nix 2.8 (see the FAIL reports above)",
        failed.len(),
        verdicts.len()
    );
}
