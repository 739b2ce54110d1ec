//! `xnix deploy` to several SSH test hosts in parallel (tests/deploy/
//! fleet.nix: cross-built riscv64 boards that manage root's authorized
//! keys): every machine deployed; then a generation that locks the deployer
//! out of one board (its confirmation connection is refused: the board goes
//! back by itself within deployment.confirmTimeout) and fails a health check
//! on another (refused: it goes back at once) while the third keeps the new
//! system; --all-or-nothing sends all back; --on selects by tag. A first
//! deployment that fails has nothing to go back to and says so; deploying
//! the same system again changes nothing.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use xnix_test_support::ssh_hosts::{Host, Lab};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn deploy(lab: &Lab, hosts: &[Host], extra: &[&str]) -> (Output, Vec<Value>) {
    let hosts: Vec<&Host> = hosts.iter().collect();
    let out = lab
        .deploy_fleet(XNIX, &hosts)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    (out.clone(), summary(&out))
}

fn summary(out: &Output) -> Vec<Value> {
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON summary ({e}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    summary.as_array().unwrap().clone()
}

fn statuses(summary: &[Value]) -> Vec<(String, String)> {
    summary
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The board's profile link (read from outside the host) and its /etc
/// entry (read over a new SSH connection: the board must let us in).
fn state(lab: &Lab, host: &Host) -> (String, String) {
    let profile = std::fs::read_link(host.root().join("xnix/var/xnix/profiles/system"))
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let (good, text) = lab.ssh(host, "cat /etc/board-generation");
    assert!(good, "{}: {text}", host.name);
    (profile, text.trim().to_string())
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn deploy_to_three_boards_with_magic_rollback() {
    let mut lab = Lab::new();
    let xnix: &[(&Path, &str)] = &[(Path::new(XNIX), "xnix")];
    let hosts = vec![
        lab.host("board1", xnix),
        lab.host("board2", xnix),
        lab.host("board3", xnix),
    ];

    // Generation 1 everywhere; board3's health check fails, but it has no
    // generation to go back to: it keeps generation 1, reported as failed.
    let (out, summary) = deploy(&lab, &hosts, &["--arg", "failCheck", "[ \"board3\" ]"]);
    assert!(!out.status.success());
    assert_eq!(
        statuses(&summary),
        vec![
            pair("board1", "deployed"),
            pair("board2", "deployed"),
            pair("board3", "failed")
        ]
    );
    let reason3 = summary[2]["reason"].as_str().unwrap();
    assert!(
        reason3.contains("health check 'false'")
            && reason3.contains("no previous generation to return to"),
        "{reason3}"
    );
    for h in &hosts {
        assert_eq!(state(&lab, h), pair("system-1-link", "1"), "{}", h.name);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 of 3 machines deployed"), "{stderr}");
    assert!(!stderr.contains("rolled back"), "{stderr}");

    // Generation 2: board2 locks everyone out, board3 fails its health check.
    let t = Instant::now();
    let (out, summary) = deploy(
        &lab,
        &hosts,
        &[
            "--arg",
            "generation",
            "2",
            "--arg",
            "lockout",
            "[ \"board2\" ]",
            "--arg",
            "failCheck",
            "[ \"board3\" ]",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(
        statuses(&summary),
        vec![
            pair("board1", "deployed"),
            pair("board2", "rolled-back"),
            pair("board3", "rolled-back")
        ]
    );
    let reason2 = summary[1]["reason"].as_str().unwrap();
    assert!(
        reason2.contains("confirmation connection failed"),
        "{reason2}"
    );
    let reason3 = summary[2]["reason"].as_str().unwrap();
    assert!(reason3.contains("health check 'false'"), "{reason3}");
    assert!(t.elapsed() < Duration::from_secs(60));
    assert_eq!(state(&lab, &hosts[0]), pair("system-2-link", "2"));
    // board2 went back by itself: its profile, its /etc, and it lets us in again.
    assert_eq!(state(&lab, &hosts[1]), pair("system-1-link", "1"));
    assert_eq!(state(&lab, &hosts[2]), pair("system-1-link", "1"));

    // All or nothing: board3's failing check sends board1 back too.
    let (out, summary) = deploy(
        &lab,
        &hosts,
        &[
            "--all-or-nothing",
            "--arg",
            "generation",
            "3",
            "--arg",
            "failCheck",
            "[ \"board3\" ]",
        ],
    );
    assert!(!out.status.success());
    assert!(
        statuses(&summary).iter().all(|(_, s)| s == "rolled-back"),
        "{summary:?}"
    );
    assert_eq!(state(&lab, &hosts[0]).1, "2", "board1 keeps generation 2");
    assert_eq!(state(&lab, &hosts[1]).1, "1");

    // --on @first: only board1.
    let (out, summary) = deploy(
        &lab,
        &hosts,
        &["--on", "@first", "--arg", "generation", "4"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(statuses(&summary), vec![pair("board1", "deployed")]);
    assert_eq!(state(&lab, &hosts[0]).1, "4");
    assert_eq!(state(&lab, &hosts[2]).1, "1");

    // The same again: nothing to copy or activate; the health checks run.
    let before = activations(&hosts[0]).len();
    let (out, summary) = deploy(
        &lab,
        &hosts,
        &["--on", "@first", "--arg", "generation", "4"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(statuses(&summary), vec![pair("board1", "unchanged")]);
    assert_eq!(activations(&hosts[0]).len(), before, "no new activation");
    assert_eq!(state(&lab, &hosts[0]), pair("system-4-link", "4"));
}

/// The activation directories on a host (STATE/deploy/ID), newest last.
fn activations(host: &Host) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(host.root().join("xnix/var/xnix/deploy"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_deployer_killed_before_confirming_leaves_the_board_at_its_old_generation() {
    let mut lab = Lab::new();
    let hosts = vec![lab.host("board1", &[(Path::new(XNIX), "xnix")])];
    let (out, _) = deploy(&lab, &hosts, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(state(&lab, &hosts[0]), pair("system-1-link", "1"));
    let before = activations(&hosts[0]).len();

    // Generation 2, with a health check that outlasts the confirmation window
    // (so the deployer cannot confirm in time even on a loaded machine); the
    // deployer is killed while it checks. The board was activated and waits.
    let mut child = lab
        .deploy_fleet(XNIX, &[&hosts[0]])
        .args([
            "--arg",
            "generation",
            "2",
            "--arg",
            "slowCheck",
            "[ \"board1\" ]",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the activation", 60, || {
        activations(&hosts[0])
            .get(before)
            .is_some_and(|d| d.join("status").exists())
    });
    let _ = child.kill();
    let _ = child.wait();
    let dir = activations(&hosts[0])[before].clone();
    assert_eq!(
        std::fs::read_to_string(dir.join("status")).unwrap().trim(),
        "0"
    );
    // Nobody confirms: the board goes back by itself within its timeout (8 s).
    wait_for("the board's own decision", 30, || {
        dir.join("final").exists()
    });
    assert_eq!(
        std::fs::read_to_string(dir.join("final")).unwrap().trim(),
        "rolled-back"
    );
    assert_eq!(state(&lab, &hosts[0]), pair("system-1-link", "1"));
}

#[test]
fn a_board_with_build_on_target_builds_its_own_system() {
    let mut lab = Lab::new();
    let hosts = vec![lab.host("board1", &[(Path::new(XNIX), "xnix")])];
    let (out, summary) = deploy(
        &lab,
        &hosts,
        &[
            "--arg",
            "generation",
            "6",
            "--arg",
            "buildOnTarget",
            "[ \"board1\" ]",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(statuses(&summary), vec![pair("board1", "deployed")]);
    assert_eq!(state(&lab, &hosts[0]), pair("system-1-link", "6"));
    // Built there: the system is in the board's store, not in the deployer's.
    let system = summary[0]["system"].as_str().unwrap();
    let base = Path::new(system).file_name().unwrap();
    assert!(hosts[0].root().join("xnix/store").join(base).exists());
    assert!(!lab.dir().join("deployer/xnix/store").join(base).exists());
}

#[test]
fn copying_starts_while_others_build_and_a_failing_board_goes_back_without_magic_rollback() {
    let mut lab = Lab::new();
    let xnix: &[(&Path, &str)] = &[(Path::new(XNIX), "xnix")];
    let hosts = vec![lab.host("board1", xnix), lab.host("board2", xnix)];
    let (out, _) = deploy(&lab, &hosts, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = activations(&hosts[0]).len();

    // Generation 2 without magic rollback: board2's system waits (in its
    // build) for a gate that opens only once board1 has been activated, and
    // its health check fails.
    // Outside /tmp: builds see no sandbox path there (their own /tmp).
    let gate_dir = GateDir(PathBuf::from(format!(
        "/var/tmp/xnix-deploy-gate-{}",
        std::process::id()
    )));
    let gate_dir = &gate_dir.0;
    let _ = std::fs::remove_dir_all(gate_dir);
    std::fs::create_dir_all(gate_dir).unwrap();
    let gate = gate_dir.join("open");
    let hosts_ref: Vec<&Host> = hosts.iter().collect();
    let mut child = lab
        .deploy_fleet(XNIX, &hosts_ref)
        .args(["--json", "--option", "extra-sandbox-paths"])
        .arg(gate_dir)
        // Builds side by side, so board1's go on while board2's waits.
        .args(["--option", "max-jobs", "4"])
        .args([
            "--arg",
            "generation",
            "2",
            "--arg",
            "magicRollback",
            "false",
        ])
        .args(["--arg", "gated", "[ \"board2\" ]", "--argstr", "gate"])
        .arg(&gate)
        .args(["--arg", "failCheck", "[ \"board2\" ]"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // board1 is activated while board2's system is still being built.
    let t = Instant::now();
    while !activations(&hosts[0])
        .get(before)
        .is_some_and(|d| d.join("status").exists())
    {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the deployer ended before board1 was activated:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "board1 was not activated"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        activations(&hosts[1]).len(),
        before,
        "board2 waits for its build"
    );
    std::fs::write(&gate, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let summary = summary(&out);
    assert_eq!(
        statuses(&summary),
        vec![pair("board1", "deployed"), pair("board2", "rolled-back")]
    );
    let reason = summary[1]["reason"].as_str().unwrap();
    assert!(reason.contains("health check 'false'"), "{reason}");
    assert_eq!(state(&lab, &hosts[0]), pair("system-2-link", "2"));
    // Back at generation 1 although magic rollback is off.
    assert_eq!(state(&lab, &hosts[1]), pair("system-1-link", "1"));
}

/// A directory removed when the test ends.
struct GateDir(PathBuf);

impl Drop for GateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
