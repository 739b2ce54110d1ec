//! Hostile input gets an error, never a crash or a stall. Each case sets its own limits:
//! cases that need process limits run this test binary again as a child (`XNIX_CHILD_EXPR`
//! names a file holding the expression, `XNIX_CHILD_AS` the address-space limit the child sets on itself
//! before evaluating), with the evaluator's allocator installed as `xnix` has it.
//!
//! - under a 2 GB address-space limit, evaluation works (the stack is sized to the limit);
//! - running out of memory is `error: out of memory` with exit status 1;
//! - runaway recursion is Nix's `stack overflow (possible infinite recursion)`;
//! - parsing chains of `+`, `++`, `//` and `-` (with blanks and without), attribute paths
//!   (`a.a.a...`), runs of prefix `-` and `!`, and nested lists and parentheses, and evaluating `++`, `//` and `+` chains, take time linear in their
//!   length (compared between two lengths, not against a clock); 100,000-term chains give
//!   their values; nesting deeper than the stack is an error (`stack overflow ...`);
//! - `fuzz`: mutants of the eval corpus (a seeded, time-bounded run: `XNIX_FUZZ_SECONDS`,
//!   default 30, and `XNIX_FUZZ_SEED`) end with a value or an error, never a crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use xnix_eval::{with_big_stack, Evaluator};

xnix_eval::global_allocator!();

/// What a child did.
struct ChildOutcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Runs this binary as a child evaluating `expr` strictly under `address_space` bytes.
fn run_child(expr: &str, address_space: Option<u64>, timeout: Duration) -> ChildOutcome {
    // Through a file: expressions may hold NUL bytes, which no environment value can.
    let file = tempfile::NamedTempFile::new().expect("a scratch file");
    std::fs::write(file.path(), expr).expect("writing the expression");
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary's path"));
    cmd.env("XNIX_CHILD_EXPR", file.path())
        .env("NIX_PATH", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(limit) = address_space {
        cmd.env("XNIX_CHILD_AS", limit.to_string());
    }
    let mut child = cmd.spawn().expect("starting the child");
    let started = Instant::now();
    let mut timed_out = false;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > timeout => {
                timed_out = true;
                let _ = child.kill();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for the child: {e}"),
        }
    }
    let out = child.wait_with_output().expect("the child's output");
    ChildOutcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        timed_out,
    }
}

/// The child: limit itself, evaluate the expression in file `expr_file`, print as
/// `nix-instantiate --eval --strict`.
fn child_main(expr_file: String) -> ! {
    let expr = std::fs::read(&expr_file).expect("the expression's file");
    let expr = String::from_utf8_lossy(&expr).into_owned();
    if let Some(limit) = std::env::var("XNIX_CHILD_AS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let rl = libc::rlimit {
            rlim_cur: limit,
            rlim_max: limit,
        };
        // SAFETY: setting this process's own limit from a valid structure.
        if unsafe { libc::setrlimit(libc::RLIMIT_AS, &rl) } != 0 {
            eprintln!("cannot set the address-space limit");
            std::process::exit(3);
        }
    }
    let code = with_big_stack(move || {
        let ev = Evaluator::with_store_dir("/nix/store");
        match ev.eval_expr(&expr, "/").and_then(|v| ev.force_deep(v)) {
            Ok(v) => {
                println!("{}", xnix_eval::print_value(&v));
                std::mem::forget(v);
                0
            }
            Err(e) => {
                eprintln!("{}", ev.format_error(&e, false));
                1
            }
        }
    });
    std::process::exit(code)
}

fn check_child(
    expr: &str,
    address_space: Option<u64>,
    want_code: i32,
    want_text: &str,
) -> Result<(), Failed> {
    let out = run_child(expr, address_space, Duration::from_secs(120));
    let text = if want_code == 0 {
        &out.stdout
    } else {
        &out.stderr
    };
    if out.timed_out || out.code != Some(want_code) || !text.contains(want_text) {
        return Err(format!(
            "expected exit {want_code} with {want_text:?}; got {} (timed out: {})\nstdout: {}\nstderr: {}",
            out.code.map_or("a signal".to_string(), |c| format!("exit {c}")),
            out.timed_out,
            out.stdout.chars().take(500).collect::<String>(),
            out.stderr.chars().take(2000).collect::<String>(),
        )
        .into());
    }
    Ok(())
}

/// The best of three timings of `f(n)`.
fn best_time(n: usize, f: &(dyn Fn(usize) + Sync)) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            f(n);
            started.elapsed()
        })
        .min()
        .expect("three runs")
}

/// `f` at 8n should take about 8 times `f` at n; quadratic work takes 64 times.
/// The bound sits between the two with room on both sides (about 3x), because
/// these timings share the machine with the other tests and whatever else runs.
fn check_linear(small: usize, f: &(dyn Fn(usize) + Sync)) -> Result<(), Failed> {
    let a = best_time(small, f);
    let b = best_time(8 * small, f);
    let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-6);
    if ratio > 24.0 {
        return Err(format!(
            "8 times the input took {ratio:.1} times as long ({a:?} -> {b:?}): not linear"
        )
        .into());
    }
    Ok(())
}

fn chain(n: usize, term: &str, op: &str) -> String {
    let mut s = String::with_capacity(n * (term.len() + op.len() + 2));
    for i in 0..n {
        if i > 0 {
            s.push(' ');
            s.push_str(op);
            s.push(' ');
        }
        s.push_str(term);
    }
    s
}

fn parses(text: String) {
    let ok = with_big_stack(move || Evaluator::new().parse(&text, "chain", "/").is_ok());
    assert!(ok, "the chain parses");
}

fn evaluates(text: String, want: &'static str) {
    let got = with_big_stack(move || {
        let ev = Evaluator::new();
        let v = ev.eval_expr(&text, "/").and_then(|v| ev.force_deep(v));
        v.map(|v| xnix_eval::print_value(&v))
            .unwrap_or_else(|e| ev.format_error(&e, false))
    });
    assert_eq!(got, want);
}

fn main() {
    if let Ok(expr) = std::env::var("XNIX_CHILD_EXPR") {
        child_main(expr);
    }
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("address-space-limit", || {
            check_child("1 + 1", Some(2_000_000_000), 0, "2")
        }),
        Trial::test("out-of-memory", || {
            check_child(
                "builtins.genList (x: x) 200000000",
                Some(4_000_000_000),
                1,
                "error: out of memory",
            )
        }),
        Trial::test("stack-overflow", || {
            check_child(
                "let f = x: f x + 1; in f 0",
                Some(2_000_000_000),
                1,
                "stack overflow (possible infinite recursion)",
            )
        }),
    ];
    for (name, term, op) in [
        ("parse-linear-plus", "1", "+"),
        ("parse-linear-concat", "[ 1 ]", "++"),
        ("parse-linear-update", "{ a = 1; }", "//"),
        ("parse-linear-minus", "1", "-"),
    ] {
        trials.push(Trial::test(name, move || {
            check_linear(5_000, &|n| parses(chain(n, term, op)))
        }));
    }
    // The same chains written without blanks, and attribute paths (`a.a.a`): one run of
    // characters that could make a path, which rnix's tokenizer rescanned at every token.
    for (name, term, op) in [
        ("parse-linear-plus-tight", "1", "+"),
        ("parse-linear-concat-tight", "1", "++"),
        ("parse-linear-update-tight", "1", "//"),
        ("parse-linear-minus-tight", "1", "-"),
        ("parse-linear-select-tight", "builtins", "."),
    ] {
        trials.push(Trial::test(name, move || {
            check_linear(5_000, &|n| parses(vec![term; n].join(op)))
        }));
    }
    // Prefix operators and nesting: rnix's parser recursed once per operator and rehashed
    // its node cache, quadratic in the depth. (Nesting at 2,500: eight times that is
    // still within the parser's depth limit.)
    trials.push(Trial::test("parse-linear-negation", || {
        check_linear(5_000, &|n| parses(format!("{}1", "- ".repeat(n))))
    }));
    trials.push(Trial::test("parse-linear-not", || {
        check_linear(5_000, &|n| parses(format!("{}true", "! ".repeat(n))))
    }));
    trials.push(Trial::test("parse-linear-nested-lists", || {
        check_linear(2_500, &|n| {
            parses(format!("{}1{}", "[".repeat(n), "]".repeat(n)))
        })
    }));
    trials.push(Trial::test("parse-linear-nested-parentheses", || {
        check_linear(2_500, &|n| {
            parses(format!("{}1{}", "(".repeat(n), ")".repeat(n)))
        })
    }));
    // 100,000 terms, as the language's users may write them: values, not just no crash.
    // (One term a line: an error would quote the line.)
    trials.push(Trial::test("long-chains-evaluate", || {
        let n = 100_000;
        check_child(&format!("{}1", "-\n".repeat(n)), None, 0, "1")?;
        check_child(
            &format!("builtins.length ({})", chain(n, "[ 1 ]\n", "++")),
            None,
            0,
            "100000",
        )?;
        check_child(&vec!["1"; n].join("+"), None, 0, "100000")?;
        check_child(
            &format!(
                "let a = {{ a = a; b = 7; }}; in a.{}.b",
                vec!["a"; n].join(".")
            ),
            None,
            0,
            "7",
        )
    }));
    // Nesting deeper than the stack allows is an error, whatever the limits.
    trials.push(Trial::test("deep-nesting-is-an-error", || {
        let n = 3_000_000;
        check_child(
            &format!("{}1{}", "[\n".repeat(n), "]".repeat(n)),
            Some(2_000_000_000),
            1,
            "stack overflow",
        )
    }));
    trials.push(Trial::test("eval-linear-concat", || {
        check_linear(5_000, &|n| {
            evaluates(
                format!("builtins.length ({})", chain(n, "[ 1 ]", "++")),
                Box::leak(n.to_string().into_boxed_str()),
            )
        })
    }));
    trials.push(Trial::test("eval-linear-update", || {
        check_linear(5_000, &|n| {
            let sets: Vec<String> = (0..n).map(|i| format!("{{ a{i} = 1; }}")).collect();
            evaluates(
                format!(
                    "builtins.length (builtins.attrNames ({}))",
                    sets.join(" // ")
                ),
                Box::leak(n.to_string().into_boxed_str()),
            )
        })
    }));
    trials.push(Trial::test("eval-linear-plus", || {
        check_linear(5_000, &|n| {
            evaluates(
                chain(n, "1", "+"),
                Box::leak(n.to_string().into_boxed_str()),
            )
        })
    }));
    trials.push(Trial::test("fuzz", fuzz));
    libtest_mimic::run(&args, trials).exit();
}

/// A small deterministic generator (xorshift64*), so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments mutations insert: the language's punctuation, keywords and a few
/// expensive or odd forms.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    ":",
    ".",
    ",",
    "=",
    "?",
    "@",
    "...",
    "++",
    "//",
    "+",
    "-",
    "*",
    "/",
    "!",
    "==",
    "!=",
    "<",
    ">",
    "&&",
    "||",
    "->",
    "\"",
    "''",
    "${",
    "$",
    "\\",
    "let ",
    " in ",
    "rec ",
    "with ",
    "inherit ",
    "if ",
    " then ",
    " else ",
    "assert ",
    "or ",
    "x: ",
    "{ x, ... }: ",
    "null",
    "true",
    "0",
    "-9223372036854775808",
    "1.5e308",
    "builtins.",
    "import ",
    "<nixpkgs>",
    "./.",
    "~/",
    "/",
    "#",
    "/*",
    "*/",
    "\n",
    "\u{0}",
    "\u{e9}",
    "__curPos",
    "__overrides",
    "builtins.seq",
    "builtins.deepSeq",
    "throw \"t\"",
    "abort \"a\"",
    "builtins.tryEval ",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let len = 1 + rng.below(8);
                let end = (at + len).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => {
                let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
                bytes.splice(at..at, f.bytes());
            }
            2 if !bytes.is_empty() => {
                let from = rng.below(bytes.len());
                let len = 1 + rng.below(32.min(bytes.len() - from));
                let piece: Vec<u8> = bytes[from..from + len].to_vec();
                bytes.splice(at..at, piece);
            }
            3 => bytes.truncate(at),
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// Mutants of the corpus, each evaluated by a child under a 2 GB limit and a time bound:
/// exit 0 or 1 (a value or an error) is fine, and so is a mutant that is still busy at the
/// bound (some mutants are simply expensive); a signal, a panic or another exit is not.
fn fuzz() -> Result<(), Failed> {
    let seconds: u64 = std::env::var("XNIX_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("XNIX_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root")
        .join("tests/eval");
    let mut files = Vec::new();
    corpus_files(&root, &mut files);
    files.sort();
    let sources: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut busy) = (0, 0);
    while Instant::now() < deadline {
        let source = &sources[rng.below(sources.len())];
        let mutant = mutate(&mut rng, source);
        let out = run_child(&mutant, Some(2_000_000_000), Duration::from_secs(5));
        runs += 1;
        if out.timed_out {
            busy += 1;
            continue;
        }
        let crashed = !matches!(out.code, Some(0) | Some(1))
            || out.stderr.contains("panicked")
            || (out.code == Some(1) && !out.stderr.starts_with("error:"));
        if crashed {
            return Err(format!(
                "seed {seed}, run {runs}: the evaluator crashed ({:?}) on:\n{mutant}\nstderr: {}",
                out.code,
                out.stderr.chars().take(2000).collect::<String>()
            )
            .into());
        }
    }
    eprintln!("fuzz: seed {seed}, {runs} mutants, {busy} still busy at the time bound");
    Ok(())
}
