//! `xnix build` end to end on scratch stores: a small derivation graph
//! builds with busybox's shell as builder, prints its outputs, links
//! `result` as a GC root; a rebuild is a no-op; `store gc` keeps rooted
//! paths and deletes unrooted ones; `store verify` is clean; a failing
//! build exits 1 with its log tail; `-j 2` runs builds in parallel and
//! `--keep-going` builds what does not depend on a failure.

use xnix_test_support::unique_salt;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// A scratch store (logical /xnix/store under a temporary root) and a work directory.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        assert!(
            Path::new("/bin/busybox").is_file() || Path::new("/usr/bin/busybox").is_file(),
            "busybox-static is required (scripts/install-deps installs it)"
        );
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::write(env.work().join("graph.nix"), GRAPH).unwrap();
        env
    }

    fn work(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn xnix(&self, args: &[&str]) -> Output {
        Command::new(XNIX)
            .args(args)
            .current_dir(self.work())
            .env("XNIX_STORE_ROOT", self.root())
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR")
            .env_remove("NIX_PATH")
            .output()
            .expect("running xnix")
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let o = self.xnix(args);
        let (out, err) = texts(&o);
        assert!(
            o.status.success(),
            "xnix {args:?} failed ({}):\n{out}\n{err}",
            o.status
        );
        (out, err)
    }

    /// Where a logical store path is on disk.
    fn real(&self, path: &str) -> PathBuf {
        self.root().join(path.trim_start_matches('/'))
    }
}

fn texts(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const GRAPH: &str = r#"
{ tag ? "" }:
let
  mk = name: script: extra: derivation ({
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  } // extra);
in rec {
  a = mk "a" "echo building a${tag}; echo a > $out" {};
  b = mk "b" "echo building b; cat ${a} > $out; echo b >> $out" {};
  c = mk "c" "mkdir -p $out $dev; echo ${b} > $out/ref; cat ${b} > $out/copy; echo dev > $dev/d" { outputs = [ "out" "dev" ]; };
  unrooted = mk "unrooted" "echo unrooted > $out" {};
  fails = mk "fails" "echo first line; echo second line; echo the reason it failed >&2; exit 3" {};
  afterFail = mk "after-fail" "cat ${fails} > $out" {};
  independent = mk "independent" "echo independent > $out" {};
  # Each records when it ran (host uptime, the same clock in every sandbox).
  sleepy1 = mk "sleepy1" "read s _ < /proc/uptime; sleep 1; read e _ < /proc/uptime; echo $s $e 1 > $out" {};
  sleepy2 = mk "sleepy2" "read s _ < /proc/uptime; sleep 1; read e _ < /proc/uptime; echo $s $e 2 > $out" {};
}
"#;

#[test]
fn graph_builds_links_and_rebuild_is_noop() {
    let env = Env::new();
    let (out, err) = env.ok(&["build", "graph.nix", "-A", "c"]);
    let path = out.trim().to_string();
    assert!(
        path.starts_with("/xnix/store/") && path.ends_with("-c"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1);
    assert!(
        err.contains("building '/xnix/store/"),
        "no plain progress lines: {err}"
    );
    assert_eq!(err.matches("building '").count(), 3, "{err}");
    // The output is there, with its dependency's contents.
    let real = env.real(&path);
    assert_eq!(fs::read_to_string(real.join("copy")).unwrap(), "a\nb\n");
    // The result link points at the printed path.
    let link = env.work().join("result");
    assert_eq!(fs::read_link(&link).unwrap(), PathBuf::from(&path));
    // It is valid, refers to b, and its deriver's log is there.
    let (closure, _) = env.ok(&["path-info", "-r", "./result"]);
    assert_eq!(closure.lines().count(), 2, "{closure}");
    assert!(closure.lines().any(|l| l.ends_with("-b")));
    assert_eq!(closure.lines().last(), Some(path.as_str()));
    let (log, _) = env.ok(&["log", "./result"]);
    assert_eq!(log, "");
    let (log_b, _) = env.ok(&["log", closure.lines().next().unwrap()]);
    assert_eq!(log_b, "building b\n");

    // Rebuild: nothing to do, same output, no builds.
    let (out2, err2) = env.ok(&["build", "graph.nix", "-A", "c"]);
    assert_eq!(out2, out);
    assert!(
        !err2.contains("building"),
        "rebuild built something: {err2}"
    );

    // Selecting another output links result-<output>.
    let (dev, _) = env.ok(&["build", "graph.nix", "-A", "c.dev"]);
    assert!(dev.trim().ends_with("-c-dev"));
    assert_eq!(
        fs::read_link(env.work().join("result-dev")).unwrap(),
        PathBuf::from(dev.trim())
    );
    // Several results: result, result-2.
    let (two, _) = env.ok(&[
        "build",
        "graph.nix",
        "-A",
        "a",
        "-A",
        "b",
        "--out-link",
        "r",
    ]);
    let two: Vec<&str> = two.lines().collect();
    assert_eq!(two.len(), 2);
    assert_eq!(
        fs::read_link(env.work().join("r")).unwrap(),
        PathBuf::from(two[0])
    );
    assert_eq!(
        fs::read_link(env.work().join("r-2")).unwrap(),
        PathBuf::from(two[1])
    );
}

#[test]
fn gc_keeps_rooted_and_deletes_unrooted_and_verify_is_clean() {
    let env = Env::new();
    let (c, _) = env.ok(&["build", "graph.nix", "-A", "c"]);
    let (unrooted, _) = env.ok(&["build", "graph.nix", "-A", "unrooted", "--no-out-link"]);
    let c = c.trim();
    let unrooted = unrooted.trim();
    assert!(!env.work().join("result-unrooted").exists());
    assert!(env.real(unrooted).exists());

    let (verify, _) = env.ok(&["store", "verify", "--check-contents"]);
    assert!(verify.contains(": ok"), "{verify}");

    let (dry, _) = env.ok(&["store", "gc", "--dry-run"]);
    assert!(dry.lines().any(|l| l == unrooted), "{dry}");
    assert!(env.real(unrooted).exists(), "dry run deleted");

    let (deleted, _) = env.ok(&["store", "gc"]);
    assert!(deleted.lines().any(|l| l == unrooted), "{deleted}");
    assert!(!deleted.lines().any(|l| l == c), "{deleted}");
    assert!(!env.real(unrooted).exists());
    // c and what it refers to (b) survive.
    assert!(env.real(c).join("copy").exists());
    let (closure, _) = env.ok(&["path-info", "-r", c]);
    for p in closure.lines() {
        assert!(env.real(p).exists(), "{p} was collected");
    }
    let (verify, _) = env.ok(&["store", "verify", "--check-contents"]);
    assert!(verify.contains(": ok"), "{verify}");

    // Without the link, c goes too.
    fs::remove_file(env.work().join("result")).unwrap();
    let (deleted, _) = env.ok(&["store", "gc"]);
    assert!(deleted.lines().any(|l| l == c), "{deleted}");
}

#[test]
fn failing_build_exits_1_with_log_tail() {
    let env = Env::new();
    let o = env.xnix(&["build", "graph.nix", "-A", "fails"]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert_eq!(out, "");
    assert!(err.contains("second line"), "no log tail: {err}");
    assert!(err.contains("the reason it failed"), "no log tail: {err}");
    let log_line = err
        .lines()
        .find(|l| l.starts_with("full log: "))
        .unwrap_or_else(|| panic!("no log path: {err}"));
    let log = PathBuf::from(log_line.trim_start_matches("full log: "));
    assert!(fs::read_to_string(&log).unwrap().contains("first line"));
    assert!(!env.work().join("result").exists());
    // `xnix log` finds the same log through the derivation.
    let (drv, _) = env.ok(&["instantiate", "graph.nix", "-A", "fails"]);
    let (shown, _) = env.ok(&["log", drv.trim()]);
    assert!(shown.contains("first line\nsecond line\n"), "{shown}");
}

#[test]
fn keep_going_builds_what_does_not_depend_on_the_failure() {
    let env = Env::new();
    let o = env.xnix(&[
        "build",
        "graph.nix",
        "-A",
        "afterFail",
        "-A",
        "independent",
        "--keep-going",
        "-j",
        "1",
    ]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("the reason it failed"), "{err}");
    // `independent` was built anyway: building it again does nothing.
    let (_, again) = env.ok(&["build", "graph.nix", "-A", "independent", "--no-out-link"]);
    assert!(!again.contains("building"), "{again}");
    // and after-fail was not.
    let o = env.xnix(&["build", "graph.nix", "-A", "afterFail"]);
    assert_eq!(o.status.code(), Some(1));
}

/// Builds the two sleepy derivations of `file` with `jobs` (`-j N` or a
/// setting) and returns the (start, end) uptime seconds each recorded in
/// its output.
fn sleepy_run_intervals(env: &Env, file: &str, jobs: &[&str]) -> [(f64, f64); 2] {
    let mut args = vec![
        "build",
        file,
        "-A",
        "sleepy1",
        "-A",
        "sleepy2",
        "--no-out-link",
    ];
    args.extend_from_slice(jobs);
    let (out, _) = env.ok(&args);
    let paths: Vec<&str> = out.lines().collect();
    assert_eq!(paths.len(), 2, "{out}");
    paths
        .iter()
        .map(|path| {
            let text = fs::read_to_string(env.real(path)).unwrap();
            let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().unwrap());
            (fields.next().unwrap(), fields.next().unwrap())
        })
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

#[test]
fn jobs_2_runs_builds_in_parallel() {
    // Judged by when the builds ran, not by how long the command took, so a
    // loaded machine cannot fail it.
    let env = Env::new();
    let [(s1, e1), (s2, e2)] = sleepy_run_intervals(&env, "graph.nix", &["-j", "2"]);
    assert!(
        s1 < e2 && s2 < e1,
        "with -j 2 the builds did not overlap: {s1}-{e1}, {s2}-{e2}"
    );
    // The same two with -j 1 (a different tag makes them new) run one after the other.
    fs::write(
        env.work().join("graph2.nix"),
        GRAPH
            .replace("1 > $out", "one > $out")
            .replace("2 > $out", "two > $out"),
    )
    .unwrap();
    let [(s1, e1), (s2, e2)] = sleepy_run_intervals(&env, "graph2.nix", &["-j", "1"]);
    assert!(
        e1 <= s2 || e2 <= s1,
        "with -j 1 the builds overlapped: {s1}-{e1}, {s2}-{e2}"
    );
}

#[test]
fn max_jobs_setting_reaches_the_scheduler() {
    // The `max-jobs` setting, given by --option, as -j above.
    let env = Env::new();
    let variant = |name: &str, a: &str, b: &str| {
        fs::write(
            env.work().join(name),
            GRAPH
                .replace("1 > $out", &format!("{a} > $out"))
                .replace("2 > $out", &format!("{b} > $out")),
        )
        .unwrap();
    };
    variant("graph3.nix", "three", "four");
    let [(s1, e1), (s2, e2)] =
        sleepy_run_intervals(&env, "graph3.nix", &["--option", "max-jobs", "2"]);
    assert!(
        s1 < e2 && s2 < e1,
        "with max-jobs 2 the builds did not overlap: {s1}-{e1}, {s2}-{e2}"
    );
    variant("graph4.nix", "five", "six");
    let [(s1, e1), (s2, e2)] =
        sleepy_run_intervals(&env, "graph4.nix", &["--option", "max-jobs", "1"]);
    assert!(
        e1 <= s2 || e2 <= s1,
        "with max-jobs 1 the builds overlapped: {s1}-{e1}, {s2}-{e2}"
    );
    // A command's flag wins over the setting.
    variant("graph5.nix", "seven", "eight");
    let [(s1, e1), (s2, e2)] = sleepy_run_intervals(
        &env,
        "graph5.nix",
        &["-j", "1", "--option", "max-jobs", "2"],
    );
    assert!(
        e1 <= s2 || e2 <= s1,
        "-j 1 did not win over max-jobs 2: {s1}-{e1}, {s2}-{e2}"
    );
}

#[test]
fn build_defaults_to_the_package_collection() {
    // With no FILE and no -E, <xnixpkgs> (the repository's pkgs/) is evaluated.
    let env = Env::new();
    let pkgs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs");
    assert!(pkgs.join("default.nix").is_file(), "pkgs/ is missing");
    let o = Command::new(XNIX)
        .args(["instantiate", "-E", "(import <xnixpkgs> {}) ? stdenv"])
        .current_dir(env.work())
        .env("XNIX_STORE_ROOT", env.root())
        .output()
        .unwrap();
    let (_, err) = texts(&o);
    // `true` is not a derivation: the point is that <xnixpkgs> resolved.
    assert!(err.contains("does not evaluate to a derivation"), "{err}");
}

/// The same derivations built by `nix-build` (the machine's /nix/store,
/// unsandboxed, so `/bin/sh` is the host's) and by `xnix build` (store
/// directory /nix/store under a scratch root): same output paths, and
/// `path-info --json` agrees on hashes, sizes, references and deriver.
/// (Nix gives builders no PATH, so the scripts use shell built-ins only.)
#[test]
fn build_matches_nix_build() {
    let env = Env::new();
    let salt = unique_salt();
    let file = env.work().join("diff.nix");
    fs::write(
        &file,
        format!(
            r#"let
  mk = name: script: derivation {{
    inherit name;
    salt = "{salt}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  }};
  dep = mk "dep" "echo dependency > $out";
in mk "top" "echo ${{dep}} > $out; echo plain >> $out""#
        ),
    )
    .unwrap();
    let nix = Command::new("nix-build")
        .env(
            "NIX_CONFIG",
            "experimental-features = nix-command\nsandbox = false\nsubstituters =\n",
        )
        .env_remove("NIX_STORE_DIR")
        .arg(&file)
        .arg("--no-out-link")
        .output()
        .expect("cannot run nix-build (Nix 2.8 is required: scripts/install-deps test)");
    let (nix_out, nix_err) = texts(&nix);
    assert!(nix.status.success(), "nix-build failed: {nix_err}");

    let o = Command::new(XNIX)
        .args(["--store-dir", "/nix/store", "--store-root"])
        .arg(env.root())
        .arg("build")
        .arg(&file)
        .arg("--no-out-link")
        .current_dir(env.work())
        .output()
        .unwrap();
    let (xnix_out, xnix_err) = texts(&o);
    assert!(o.status.success(), "xnix build failed: {xnix_err}");
    assert_eq!(xnix_out, nix_out);

    let strip = |json: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        for o in v.as_array_mut().unwrap() {
            o.as_object_mut().unwrap().remove("registrationTime");
        }
        v
    };
    let out_path = nix_out.trim();
    let nix_info = Command::new("nix")
        .env(
            "NIX_CONFIG",
            "experimental-features = nix-command\nsubstituters =\n",
        )
        .args(["path-info", "--json", "-r", out_path])
        .output()
        .unwrap();
    assert!(nix_info.status.success());
    let xnix_info = Command::new(XNIX)
        .args(["--store-dir", "/nix/store", "--store-root"])
        .arg(env.root())
        .args(["path-info", "--json", "-r", out_path])
        .output()
        .unwrap();
    assert!(xnix_info.status.success());
    let (n, _) = texts(&nix_info);
    let (x, _) = texts(&xnix_info);
    let n = strip(&n);
    assert_eq!(n.as_array().unwrap().len(), 2, "{n}");
    assert_eq!(strip(&x), n);
}

/// The result links of multiple-output derivations, against `nix-build`:
/// outputs of one derivation share its number (`r`, `r-dev`, `r-man`), the
/// derivations are numbered in the order they first appear (`r-2-bin`), an
/// output selected twice is linked and printed once, and a derivation whose
/// first output is not `out` links `r-bin`. Same links, same targets, same
/// stdout.
#[test]
fn multiple_output_links_match_nix_build() {
    let env = Env::new();
    let salt = unique_salt();
    let file = env.work().join("outputs.nix");
    fs::write(
        &file,
        format!(
            r#"let
  mk = name: outputs: derivation {{
    inherit name outputs;
    salt = "{salt}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "for o in $outputs; do eval echo $o '>' \\$$o; done" ];
  }};
  lib = mk "lib" [ "out" "dev" "man" ];
  tool = mk "tool" [ "bin" "dev" ];
in {{
  all = lib.all;
  mixed = [ lib.dev tool lib.out tool.dev lib.man lib.out ];
  tool = tool;
  devFirst = [ tool.dev lib ];
}}"#
        ),
    )
    .unwrap();
    for attr in ["all", "mixed", "tool", "devFirst"] {
        let nix_dir = env.work().join(format!("nix-{attr}"));
        let xnix_dir = env.work().join(format!("xnix-{attr}"));
        fs::create_dir_all(&nix_dir).unwrap();
        fs::create_dir_all(&xnix_dir).unwrap();
        let nix = Command::new("nix-build")
            .env(
                "NIX_CONFIG",
                "experimental-features = nix-command\nsandbox = false\nsubstituters =\n",
            )
            .env_remove("NIX_STORE_DIR")
            .arg(&file)
            .args(["-A", attr, "-o"])
            .arg(nix_dir.join("r"))
            .output()
            .expect("cannot run nix-build (Nix 2.8 is required: scripts/install-deps test)");
        let (nix_out, nix_err) = texts(&nix);
        assert!(
            nix.status.success(),
            "nix-build -A {attr} failed: {nix_err}"
        );
        let o = Command::new(XNIX)
            .args(["--store-dir", "/nix/store", "--store-root"])
            .arg(env.root())
            .arg("build")
            .arg(&file)
            .args(["-A", attr, "-o"])
            .arg(xnix_dir.join("r"))
            .current_dir(env.work())
            .output()
            .unwrap();
        let (xnix_out, xnix_err) = texts(&o);
        assert!(
            o.status.success(),
            "xnix build -A {attr} failed: {xnix_err}"
        );
        assert_eq!(xnix_out, nix_out, "printed paths of -A {attr}");
        let links = |dir: &Path| {
            let mut v: Vec<(String, PathBuf)> = fs::read_dir(dir)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        fs::read_link(e.path()).unwrap(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let nix_links = links(&nix_dir);
        assert!(!nix_links.is_empty(), "nix-build made no links for {attr}");
        assert_eq!(links(&xnix_dir), nix_links, "result links of -A {attr}");
    }
}
