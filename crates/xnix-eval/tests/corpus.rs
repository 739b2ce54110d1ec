//! The eval corpus as data: every case under `tests/eval/` is one named test that
//! evaluates the case in-process and compares with what Nix 2.8 did, as recorded
//! beside the case by `tests/eval/record.sh`:
//!
//! - `NAME.out`: Nix succeeded and printed exactly these bytes; the evaluator must
//!   succeed and print the same;
//! - `NAME.err`: Nix failed with this standard error (the workspace root written as
//!   `@ROOT@`); the evaluator must fail with a message, and under `errmsg/` its first
//!   line and its `at FILE:LINE:COLUMN:` line must be Nix's.
//!
//! No Nix is needed. The live comparison with Nix (which also checks that the
//! recordings are still what Nix says) is `crates/xnix/tests/eval_differential.rs`.
//!
//! Flags follow the case's top-level directory, as for Nix: `json/` prints as
//! `--strict --json`, `lazy/` without `--strict`, everything else with `--strict`.
//! A case running longer than `XNIX_EVAL_TIMEOUT` seconds (default 60) fails.

use std::path::{Path, PathBuf};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use xnix_eval::{with_big_stack, Evaluator, Pos};

/// How a case is printed, chosen by its top-level directory.
#[derive(Clone, Copy)]
enum Mode {
    Strict,
    StrictJson,
    Lazy,
}

impl Mode {
    fn of(relative: &str) -> Mode {
        match relative.split('/').next() {
            Some("json") => Mode::StrictJson,
            Some("lazy") => Mode::Lazy,
            _ => Mode::Strict,
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix-eval sits two levels below the workspace root")
        .to_path_buf()
}

/// Every case under `dir` (helpers inside `lib/` are not cases), sorted.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a readable directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "lib") {
                collect(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// What evaluating a case gave: standard output, or the error report.
type Outcome = Result<Vec<u8>, String>;

/// Evaluates `file` (relative to the current directory, the workspace root) as
/// `nix-instantiate --eval` with `mode`'s flags would.
fn evaluate(file: &str, mode: Mode) -> Outcome {
    let ev = Evaluator::with_store_dir("/nix/store");
    let printed = (|| {
        let v = ev.eval_file(file)?;
        let mut out = String::new();
        match mode {
            Mode::StrictJson => {
                ev.to_json_into(v, Pos::NONE, true, &mut Vec::new(), &mut out)?;
            }
            Mode::Strict => {
                let v = ev.force_deep(v)?;
                out.push_str(&xnix_eval::print_value(&v));
                out.push('\n');
            }
            Mode::Lazy => {
                let v = ev.force(v)?;
                out.push_str(&xnix_eval::print_value(&v));
                out.push('\n');
            }
        }
        Ok(xnix_eval::bytes::to_bytes(&out).into_owned())
    })();
    printed.map_err(|e| ev.format_error(&e, false))
}

/// Runs `evaluate` on the evaluator's big stack, bounded by `timeout`.
fn evaluate_bounded(file: String, mode: Mode, timeout: Duration) -> Result<Outcome, Failed> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = with_big_stack(move || evaluate(&file, mode));
        let _ = send.send(outcome);
    });
    match receive.recv_timeout(timeout) {
        Ok(outcome) => Ok(outcome),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("evaluation did not finish within {} s", timeout.as_secs()).into())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err("the evaluator panicked (see the message above)".into())
        }
    }
}

/// The first line of an error report and the line naming its position, if any.
fn error_summary(report: &str) -> String {
    let first = report.lines().next().unwrap_or_default();
    match report.lines().find(|l| l.trim_start().starts_with("at ")) {
        Some(at) => format!("{first} | {}", at.trim()),
        None => first.to_string(),
    }
}

/// Bytes shown with every byte visible, for failure reports.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.escape_debug().collect();
    if shown.len() > 1500 {
        let mut cut = 1500;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push_str("...");
    }
    shown
}

fn check_case(root: &Path, file: &str, relative: &str, timeout: Duration) -> Result<(), Failed> {
    let base = root.join(file.trim_end_matches(".nix"));
    let expected_out = std::fs::read(base.with_extension("out")).ok();
    // Error reports may quote bytes that are not UTF-8.
    let expected_err = std::fs::read(base.with_extension("err"))
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let root_text = root.to_string_lossy();
    let outcome = evaluate_bounded(file.to_string(), Mode::of(relative), timeout)?;
    match (expected_out, expected_err, outcome) {
        (Some(_), Some(_), _) => Err(format!(
            "both {0}.out and {0}.err exist: run tests/eval/record.sh",
            base.display()
        )
        .into()),
        (None, None, _) => Err(format!(
            "no recording of Nix's result for this case: run tests/eval/record.sh {relative}"
        )
        .into()),
        (Some(want), None, Ok(got)) if want == got => Ok(()),
        (Some(want), None, Ok(got)) => Err(format!(
            "output differs from Nix 2.8's\n  nix:  {}\n  xnix: {}",
            show(&want),
            show(&got)
        )
        .into()),
        (Some(want), None, Err(report)) => Err(format!(
            "Nix 2.8 succeeded with {} but xnix failed:\n{report}",
            show(&want)
        )
        .into()),
        (None, Some(_), Ok(got)) => {
            Err(format!("Nix 2.8 fails on this case but xnix printed {}", show(&got)).into())
        }
        (None, Some(want), Err(report)) => {
            let report = report.replace(&*root_text, "@ROOT@");
            if report.trim().is_empty() || report.trim() == "error:" {
                return Err("both failed, but xnix gave no error message".into());
            }
            if relative.starts_with("errmsg/") {
                let (nix, xnix) = (error_summary(&want), error_summary(&report));
                if nix != xnix {
                    return Err(
                        format!("error messages differ:\n  nix:  {nix}\n  xnix: {xnix}").into(),
                    );
                }
            }
            Ok(())
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = workspace_root();
    // Cases name each other and their helpers by paths relative to the workspace
    // root, and nothing of the machine's search path may leak in (as for Nix).
    std::env::set_current_dir(&root).expect("entering the workspace root");
    std::env::set_var("NIX_PATH", "");
    let timeout = Duration::from_secs(
        std::env::var("XNIX_EVAL_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );

    let corpus = root.join("tests/eval");
    let mut files = Vec::new();
    collect(&corpus, &mut files);
    let mut trials: Vec<Trial> = files
        .iter()
        .map(|path| {
            let file = path
                .strip_prefix(&root)
                .expect("a case under the workspace root")
                .to_string_lossy()
                .into_owned();
            let relative = file["tests/eval/".len()..].to_string();
            let name = relative.trim_end_matches(".nix").to_string();
            let root = root.clone();
            Trial::test(name, move || check_case(&root, &file, &relative, timeout))
        })
        .collect();

    // A recording whose case is gone would silently test nothing.
    let cases = files.clone();
    trials.push(Trial::test("recordings-have-cases", move || {
        let mut recordings = Vec::new();
        collect_recordings(&corpus, &mut recordings);
        let orphans: Vec<String> = recordings
            .iter()
            .filter(|r| !cases.contains(&r.with_extension("nix")))
            .map(|r| r.display().to_string())
            .collect();
        if orphans.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "recordings without a case (run tests/eval/record.sh): {}",
                orphans.join(", ")
            )
            .into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// Every `.out`/`.err` recording under `dir`, outside `lib/`.
fn collect_recordings(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "lib") {
                collect_recordings(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "out" || e == "err") {
            out.push(path);
        }
    }
}
