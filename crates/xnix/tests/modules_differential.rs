//! Differential test of the collection's module system (pkgs/lib/modules.nix,
//! options.nix, types.nix) against nixpkgs' (`../shared/nixpkgs-lib/lib`).
//!
//! Every `tests/modules/*.nix` case (a function of `lib` returning the
//! arguments of `evalModules`, see tests/modules/driver.nix) is evaluated
//! four ways, each as `--eval --strict --json`:
//!
//! 1. the collection's lib under xnix,
//! 2. the collection's lib under Nix 2.8 (`nix-instantiate`),
//! 3. nixpkgs' lib under xnix (the evaluator must evaluate nixpkgs' own lib as Nix does),
//! 4. nixpkgs' lib under Nix 2.8, the reference.
//!
//! A case whose name does not start with `err-` must succeed four times with
//! byte-identical JSON (the deeply forced `config`, or what the case's
//! `result` selects; a set with `outPath` prints as that path, so a case that
//! checks a package's other attributes selects them). An `err-` case must fail four times, and the
//! *essential lines* of the four error messages must be equal: the first
//! line of the message (which names the option, the kind of error and, for
//! type errors, the expected type), every `- In `FILE'...` line (each
//! definition's file and, on one line, its value), and the `Did you mean ...`
//! / `It seems as if ...` hint. Continuation lines of multi-line values,
//! positions and help texts are not compared. xnix must never crash (panic or
//! signal), even where Nix fails too.
//!
//! Each case is its own test, named after its file; `cargo test --test
//! modules_differential -- NAME` runs the cases whose name contains NAME.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};

/// How long one evaluation may take.
const TIMEOUT: Duration = Duration::from_secs(120);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix sits two levels below the workspace root")
        .to_path_buf()
}

/// What one evaluation did.
struct Run {
    ok: bool,
    crashed: bool,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Run {
                ok: false,
                crashed: false,
                stdout: String::new(),
                stderr: format!("could not start {cmd:?}: {e}"),
            }
        }
    };
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (Some(status), false),
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                break (child.wait().ok(), true);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break (None, false),
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if timed_out {
        stderr.push_str(&format!("\n(timed out after {} s)", TIMEOUT.as_secs()));
    }
    let by_signal = status.is_some_and(|s| s.code().is_none()) && !timed_out;
    Run {
        ok: status.is_some_and(|s| s.success()) && !timed_out,
        crashed: by_signal
            || stderr.contains("panicked at")
            || stderr.contains("overflowed its stack"),
        stdout,
        stderr,
    }
}

/// The expression evaluating `case` with the lib at `lib` (both relative to
/// the workspace root, where the programs run).
fn driver_expr(lib: &str, case: &str) -> String {
    format!("import ./tests/modules/driver.nix {{ lib = import {lib}; case = {case}; }}")
}

fn xnix(expr: &str, scratch: &Path) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xnix"));
    cmd.current_dir(workspace_root())
        .args(["eval", "--strict", "--json", "-E", expr])
        // Nix's store directory, so store paths in values print the same.
        .env("XNIX_STORE_DIR", "/nix/store")
        .env("XNIX_STORE_ROOT", scratch)
        .env("HOME", scratch)
        .env("NIX_PATH", "");
    run(cmd)
}

fn nix(expr: &str, scratch: &Path) -> Run {
    let mut cmd = Command::new("nix-instantiate");
    cmd.current_dir(workspace_root())
        .args([
            "--eval",
            "--strict",
            "--json",
            "--readonly-mode",
            "-E",
            expr,
        ])
        .env("HOME", scratch)
        .env("NIX_PATH", "");
    run(cmd)
}

/// The lines of an error message the test compares (see the module docs).
fn essential_lines(stderr: &str) -> Vec<String> {
    let mut lines = stderr.lines().skip_while(|l| !l.starts_with("error:"));
    let Some(first) = lines.next() else {
        return vec![format!("(no error message in: {stderr})")];
    };
    let mut essential = vec![first.trim_start_matches("error:").trim().to_string()];
    for line in lines {
        let line = line.trim();
        if line.starts_with("(use '--show-trace'") || line.starts_with("at ") {
            break;
        }
        if line.starts_with("- In `")
            || line.starts_with("Did you mean")
            || line.starts_with("It seems as if")
        {
            essential.push(line.to_string());
        }
    }
    essential
}

fn describe(name: &str, r: &Run) -> String {
    format!(
        "--- {name}: {}\nstdout:\n{}\nstderr:\n{}\n",
        if r.ok { "succeeded" } else { "failed" },
        r.stdout.trim_end(),
        r.stderr.trim_end()
    )
}

fn check_case(file: &Path, nixpkgs_lib: &Path) -> Result<(), Failed> {
    if !nixpkgs_lib.join("default.nix").exists() {
        return Err(format!(
            "nixpkgs' lib is not at {}: the test needs the shared checkout beside the repository (../shared/nixpkgs-lib)",
            nixpkgs_lib.display()
        )
        .into());
    }
    let scratch = tempfile::tempdir().map_err(|e| format!("scratch directory: {e}"))?;
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    let case = format!("./tests/modules/{name}.nix");
    let ours = driver_expr("./pkgs/lib", &case);
    let reference = driver_expr(&nixpkgs_lib.to_string_lossy(), &case);

    let ours_xnix = xnix(&ours, scratch.path());
    let ours_nix = nix(&ours, scratch.path());
    let nixpkgs_xnix = xnix(&reference, scratch.path());
    let nixpkgs_nix = nix(&reference, scratch.path());
    let report = || {
        format!(
            "{}{}{}{}",
            describe("our lib, xnix", &ours_xnix),
            describe("our lib, Nix 2.8", &ours_nix),
            describe("nixpkgs' lib, xnix", &nixpkgs_xnix),
            describe("nixpkgs' lib, Nix 2.8", &nixpkgs_nix)
        )
    };

    if ours_xnix.crashed || nixpkgs_xnix.crashed {
        return Err(format!("xnix crashed\n{}", report()).into());
    }
    let expect_error = name.starts_with("err-");
    if nixpkgs_nix.ok == expect_error {
        return Err(format!(
            "corpus error: nixpkgs' lib {} on a case named {name} (err-* cases must fail, others succeed)\n{}",
            if nixpkgs_nix.ok { "succeeds" } else { "fails" },
            report()
        )
        .into());
    }
    if ours_xnix.ok != nixpkgs_nix.ok
        || ours_nix.ok != nixpkgs_nix.ok
        || nixpkgs_xnix.ok != nixpkgs_nix.ok
    {
        return Err(format!("outcomes differ\n{}", report()).into());
    }
    if !expect_error {
        if ours_xnix.stdout != nixpkgs_nix.stdout
            || ours_nix.stdout != nixpkgs_nix.stdout
            || nixpkgs_xnix.stdout != nixpkgs_nix.stdout
        {
            return Err(format!("outputs differ\n{}", report()).into());
        }
        return Ok(());
    }
    let want = essential_lines(&nixpkgs_nix.stderr);
    for (who, r) in [
        ("our lib under xnix", &ours_xnix),
        ("our lib under Nix 2.8", &ours_nix),
        ("nixpkgs' lib under xnix", &nixpkgs_xnix),
    ] {
        let got = essential_lines(&r.stderr);
        if got != want {
            return Err(format!(
                "the error of {who} differs from nixpkgs' in its essential lines\nwant: {want:#?}\ngot:  {got:#?}\n{}",
                report()
            )
            .into());
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = workspace_root();
    let corpus = root.join("tests/modules");
    let nixpkgs_lib = root.join("../shared/nixpkgs-lib/lib");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", corpus.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix") && !p.ends_with("driver.nix"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "the module corpus has only {} cases",
        files.len()
    );
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let lib = nixpkgs_lib.clone();
            Trial::test(name, move || check_case(&file, &lib))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
