//! Crash safety of `xnix build`: builds are killed with SIGKILL at varying
//! points (while evaluating, writing .drv files, building, registering); after
//! each kill the store must verify clean (every registered path complete and
//! matching its recorded hash), and finally a build run to completion must
//! give the right outputs.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// A chain of builds that take a little while and write several files and
/// outputs each, so that kills land at many different moments.
const GRAPH: &str = r#"
let
  mk = name: deps: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    outputs = [ "out" "doc" ];
    args = [ "-c" ''
      mkdir -p $out/data $doc
      i=0
      while [ $i -lt 40 ]; do
        echo "${name} line $i ${builtins.concatStringsSep " " deps}" > $out/data/f$i
        i=$((i + 1))
      done
      sleep 0.3
      for d in ${builtins.concatStringsSep " " deps}; do cat $d/data/f0 >> $out/inputs; done
      echo "${name} docs" > $doc/README
    '' ];
  };
  a = mk "a" [ ];
  b = mk "b" [ a ];
  c = mk "c" [ a ];
  d = mk "d" [ b c ];
  e = mk "e" [ d ];
in e
"#;

fn xnix(dir: &Path) -> Command {
    let mut cmd = Command::new(XNIX);
    cmd.current_dir(dir)
        .env("XNIX_STORE_ROOT", dir.join("root"))
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env_remove("XNIX_STATE_DIR")
        .env_remove("NIX_PATH");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    xnix(dir).args(args).output().expect("running xnix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn sigkill_during_builds_leaves_a_consistent_store() {
    assert!(
        Path::new("/bin/busybox").is_file() || Path::new("/usr/bin/busybox").is_file(),
        "busybox-static is required (scripts/install-deps installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("graph.nix"), GRAPH).unwrap();

    // Kill points spread over the run: a fixed sequence of delays, so the test
    // is repeatable, covering evaluation up to the last builds.
    let delays_ms = [20u64, 150, 400, 700, 1000, 1300, 1700, 2200];
    let mut kills = 0;
    for delay in delays_ms {
        let mut child = xnix(dir.path())
            .args(["build", "graph.nix", "--no-out-link", "-j", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn xnix build");
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            // The whole process group, as a crash of the session would.
            let group = format!("-{}", child.id());
            let killed = Command::new("kill").args(["-KILL", "--", &group]).status();
            assert!(killed.is_ok_and(|s| s.success()), "kill {group} failed");
            kills += 1;
        }
        let _ = child.wait();

        let verify = run(dir.path(), &["store", "verify", "--check-contents"]);
        assert!(
            verify.status.success(),
            "store inconsistent after a kill at {delay} ms:\n{}\n{}",
            text(&verify.stdout),
            text(&verify.stderr)
        );
    }
    assert!(
        kills >= 3,
        "only {kills} kills landed mid-build; the graph is too fast"
    );

    // A build to completion after all that gives the right result.
    let out = run(dir.path(), &["build", "graph.nix", "--no-out-link"]);
    assert!(out.status.success(), "final build: {}", text(&out.stderr));
    let e = text(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let real = dir.path().join("root").join(e.trim_start_matches('/'));
    let inputs = fs::read_to_string(real.join("inputs")).unwrap();
    assert!(inputs.starts_with("d line 0 "), "e's inputs: {inputs}");
    for i in 0..40 {
        let f = fs::read_to_string(real.join(format!("data/f{i}"))).unwrap();
        assert!(f.starts_with(&format!("e line {i} ")), "data/f{i}: {f}");
    }
    let verify = run(dir.path(), &["store", "verify", "--check-contents"]);
    assert!(
        verify.status.success(),
        "final verify: {}",
        text(&verify.stderr)
    );
}
