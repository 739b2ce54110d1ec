//! Deployment speed on SSH test hosts (sshd in namespaces, as the tests
//! start them): `xnix deploy` of tests/deploy/fleet.nix to 1 and to 8 hosts
//! (the goal: 8 take at most 1.5x the time of 1), a redeploy with nothing
//! changed (goal: under 1 s; from a file, evaluated again, and from a flake,
//! whose evaluation the cache remembers), and copy throughput over SSH next
//! to Nix 2.8's `nix copy --to ssh://` of the same closure to a host of its
//! own. Timings are printed, never asserted. Needs root (namespaces).
//!
//! Besides wall time it reports where the CPU went: the deployer's (xnix and
//! its ssh clients, from the kernel's accounting of the process tree) and
//! the test hosts' (their sshd, `xnix serve`, agent and activation, from a
//! cgroup holding every process of the hosts' namespaces), and the time
//! each machine spent in each step (`xnix deploy --json`'s `steps`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use xnix_bench::{find_xnix, run_measured, Measurement, Table};
use xnix_test_support::ssh_hosts::{Host, Lab};
use xnix_test_support::store_root::workspace_root;

fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

/// The CPU time of a group of processes: a cgroup (v1's cpuacct or v2)
/// that the test hosts' processes are moved into; what they start stays in
/// it. `None` where the machine has no such cgroup to make.
struct CpuGroup {
    dir: PathBuf,
    v2: bool,
}

impl CpuGroup {
    fn new(name: &str) -> Option<CpuGroup> {
        let roots = [("/sys/fs/cgroup/cpuacct", false), ("/sys/fs/cgroup", true)];
        roots.into_iter().find_map(|(root, v2)| {
            let root = Path::new(root);
            let marker = if v2 {
                "cgroup.controllers"
            } else {
                "cpuacct.usage"
            };
            if !root.join(marker).exists() {
                return None;
            }
            let dir = root.join(format!("{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).ok()?;
            Some(CpuGroup { dir, v2 })
        })
    }

    /// Move every process of the PID namespace of process `pid` (a test
    /// host's first process) into the group.
    fn adopt_namespace_of(&self, pid: &str) {
        let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/pid")).ok();
        let Some(want) = ns(pid) else { return };
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.bytes().all(|b| b.is_ascii_digit()) && ns(&name).as_ref() == Some(&want) {
                let _ = std::fs::write(self.dir.join("cgroup.procs"), &name);
            }
        }
    }

    /// CPU time used so far by the group's processes, past and present.
    fn usage(&self) -> Option<Duration> {
        if self.v2 {
            let stat = std::fs::read_to_string(self.dir.join("cpu.stat")).ok()?;
            let usec = stat
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))?
                .trim()
                .parse()
                .ok()?;
            Some(Duration::from_micros(usec))
        } else {
            let ns = std::fs::read_to_string(self.dir.join("cpuacct.usage")).ok()?;
            Some(Duration::from_nanos(ns.trim().parse().ok()?))
        }
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // The hosts' processes are gone with the lab (dropped before this);
        // the kernel frees the group once the last one is reaped.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One timed deployment: the deployer's measurement, the test hosts' CPU
/// time during it, and each machine's steps (name, seconds).
struct Run {
    m: Measurement,
    targets_cpu: Option<Duration>,
    steps: Vec<Vec<(String, f64)>>,
}

fn deploy(lab: &Lab, xnix: &Path, hosts: &[&Host], generation: u32) -> Measurement {
    deploy_run(lab, xnix, hosts, generation, None).m
}

fn deploy_run(
    lab: &Lab,
    xnix: &Path,
    hosts: &[&Host],
    generation: u32,
    targets: Option<&CpuGroup>,
) -> Run {
    let mut cmd = lab.deploy_fleet(xnix, hosts);
    cmd.args(["--json", "--arg", "generation", &generation.to_string()]);
    let before = targets.and_then(CpuGroup::usage);
    let m = measured(&mut cmd);
    let targets_cpu = match (before, targets.and_then(CpuGroup::usage)) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b)),
        _ => None,
    };
    let summary: Vec<serde_json::Value> = serde_json::from_slice(&m.stdout).unwrap_or_default();
    let steps = summary
        .iter()
        .map(|machine| {
            machine["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        s["step"].as_str().unwrap_or("?").to_string(),
                        s["seconds"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .collect();
    Run {
        m,
        targets_cpu,
        steps,
    }
}

/// The mean seconds per step over the machines of `run`, in the order the
/// steps first appear.
fn mean_steps(run: &Run) -> Vec<(String, f64)> {
    let mut order = Vec::new();
    let mut total: BTreeMap<String, f64> = BTreeMap::new();
    for machine in &run.steps {
        for (step, secs) in machine {
            if !total.contains_key(step) {
                order.push(step.clone());
            }
            *total.entry(step.clone()).or_default() += secs;
        }
    }
    let n = run.steps.len().max(1) as f64;
    order
        .into_iter()
        .map(|s| {
            let t = total[&s] / n;
            (s, t)
        })
        .collect()
}

fn measured(cmd: &mut Command) -> Measurement {
    let m = run_measured(cmd).expect("running xnix deploy");
    assert!(
        m.status.success(),
        "xnix deploy failed:\n{}",
        String::from_utf8_lossy(&m.stderr)
    );
    m
}

/// `xnix deploy --flake .` of a flake (in the lab's directory) with one
/// board, `host`, with the evaluation cache in the lab.
fn deploy_flake(lab: &Lab, xnix: &Path, host: &Host) -> Measurement {
    let dir = lab.dir().join("flake");
    if !dir.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("flake.nix"),
            format!(
                r#"{{
  inputs.nixpkgs.url = "nixpkgs";
  outputs = {{ self, nixpkgs, ... }}: {{
    nixosConfigurations.board = nixpkgs.lib.nixosSystem {{
      modules = [{{
        nixpkgs.buildPlatform = "x86_64-linux";
        nixpkgs.hostPlatform = "riscv64-linux";
        system.stateVersion = "0.1";
        networking.hostName = "board";
        environment.etc."board-generation".text = "flake\n";
        deployment.targetHost = "{}";
        deployment.healthChecks = [ "test -e /etc/board-generation" ];
      }}];
    }};
  }};
}}
"#,
                host.address
            ),
        )
        .unwrap();
    }
    measured(
        lab.xnix(xnix)
            .current_dir(&dir)
            .arg("--store-root")
            .arg(lab.dir().join("deployer"))
            .args(["deploy", "--flake", "."])
            .env("XNIX_PKGS", workspace_root().join("pkgs"))
            .env("XDG_CACHE_HOME", lab.dir().join("cache")),
    )
}

/// The 1, 5 and 15 minute load averages, for judging how noisy a run was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn row(t: &mut Table, name: &str, m: &Measurement, targets: Option<Duration>, goal: String) {
    t.row([
        name.to_string(),
        secs(m.wall),
        secs(m.cpu),
        targets.map(secs).unwrap_or_else(|| "-".into()),
        goal,
    ]);
}

/// "1 host" and "8 hosts" rows for one kind of deployment, with the ratio.
fn pair_rows(t: &mut Table, what: &str, one: &Run, eight: &Run) {
    row(
        t,
        &format!("{what}: 1 host"),
        &one.m,
        one.targets_cpu,
        String::new(),
    );
    row(
        t,
        &format!("{what}: 8 hosts in parallel"),
        &eight.m,
        eight.targets_cpu,
        format!(
            "<= 1.5x one host: {:.2}x",
            eight.m.wall.as_secs_f64() / one.m.wall.as_secs_f64()
        ),
    );
}

/// CPU seconds per machine, deployer's and target's, of a 1-host and an
/// 8-host run, and the least time 8 hosts' CPU needs on this machine.
fn cpu_per_machine(what: &str, one: &Run, eight: &Run) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let (Some(t1), Some(t8)) = (one.targets_cpu, eight.targets_cpu) else {
        return;
    };
    let d1 = one.m.cpu.as_secs_f64();
    let h1 = t1.as_secs_f64();
    let (d8, h8) = (eight.m.cpu.as_secs_f64() / 8.0, t8.as_secs_f64() / 8.0);
    println!(
        "{what}: CPU s per machine: 1 host: deployer {d1:.2} + target {h1:.2}; \
         8 hosts: deployer {d8:.2} + target {h8:.2}; 8 hosts' CPU needs at least \
         {:.2} s of {cores} idle cores (1.5x one host: {:.2} s)",
        8.0 * (d8 + h8) / cores,
        1.5 * one.m.wall.as_secs_f64()
    );
}

fn main() {
    let xnix = find_xnix().unwrap_or_else(|e| panic!("{e}"));
    // Declared before the lab, so dropped after its hosts are gone.
    let targets = CpuGroup::new("xnix-bench-deploy-targets");
    let mut lab = Lab::new();
    let program: &[(&Path, &str)] = &[(xnix.as_path(), "xnix")];
    // One host for the single deployments, eight for the parallel ones.
    let single = lab.host("single", program);
    let hosts: Vec<Host> = (1..=8)
        .map(|i| lab.host(&format!("board{i}"), program))
        .collect();
    let nix_peer = lab.host("nixpeer", &[]);
    let flake_board = lab.host("flakeboard", program);
    let prebuild = lab.host("prebuild", program);
    if let Some(g) = &targets {
        for h in hosts.iter().chain([&single]) {
            g.adopt_namespace_of(h.init_pid());
        }
    }

    // Build once (generation 1 and 2, deployed to a host of their own), so
    // the deployments below measure copying and activating only. Every
    // board's system is the same; each host below does the same work.
    deploy(&lab, &xnix, &[&prebuild], 1);
    deploy(&lab, &xnix, &[&prebuild], 2);
    let load_before = load_average();
    let all: Vec<&Host> = hosts.iter().collect();
    // A first deployment: the whole closure goes to each host.
    let first_one = deploy_run(&lab, &xnix, &[&single], 1, targets.as_ref());
    let first_eight = deploy_run(&lab, &xnix, &all, 1, targets.as_ref());
    // The next generation: what changed goes to each host.
    let next_one = deploy_run(&lab, &xnix, &[&single], 2, targets.as_ref());
    let next_eight = deploy_run(&lab, &xnix, &all, 2, targets.as_ref());
    let again = deploy_run(&lab, &xnix, &[&single], 2, targets.as_ref());
    let load_after = load_average();
    // A flake: the first deployment evaluates it (and fills the cache).
    deploy_flake(&lab, &xnix, &flake_board);
    let flake_again = deploy_flake(&lab, &xnix, &flake_board);
    let mut t = Table::new([
        "deployment",
        "seconds",
        "CPU s deployer",
        "CPU s targets",
        "goal",
    ]);
    pair_rows(&mut t, "first deployment", &first_one, &first_eight);
    pair_rows(&mut t, "next generation", &next_one, &next_eight);
    row(
        &mut t,
        "redeploy, nothing changed (-f file)",
        &again.m,
        again.targets_cpu,
        format!("< 1 s: {:.2}x of 1 s", again.m.wall.as_secs_f64()),
    );
    row(
        &mut t,
        "redeploy, nothing changed (--flake)",
        &flake_again,
        None,
        format!("< 1 s: {:.2}x of 1 s", flake_again.wall.as_secs_f64()),
    );
    println!("{}", t.render());
    println!("load average before: {load_before}; after: {load_after}");

    // Where each machine's time went, step by step (mean over the machines).
    let runs = [
        ("first, 1", &first_one),
        ("first, 8", &first_eight),
        ("next, 1", &next_one),
        ("next, 8", &next_eight),
    ];
    let means: Vec<Vec<(String, f64)>> = runs.iter().map(|(_, r)| mean_steps(r)).collect();
    let mut names: Vec<&String> = Vec::new();
    for (s, _) in means.iter().flatten() {
        if !names.contains(&s) {
            names.push(s);
        }
    }
    let mut t = Table::new(
        std::iter::once("step (mean s per machine)").chain(runs.iter().map(|(n, _)| *n)),
    );
    for s in names {
        t.row(std::iter::once(s.clone()).chain(means.iter().map(|m| {
            m.iter()
                .find(|(n, _)| n == s)
                .map(|(_, t)| format!("{t:.2}"))
                .unwrap_or_else(|| "-".into())
        })));
    }
    println!("{}", t.render());
    cpu_per_machine("first deployment", &first_one, &first_eight);
    cpu_per_machine("next generation", &next_one, &next_eight);

    // Copy throughput: the same 64 MiB closure, Nix to a Nix host and xnix
    // to an xnix host, both with the store directory /nix/store.
    let data = lab.dir().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..16 {
        let bytes: Vec<u8> = (0..4 << 20)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        std::fs::write(data.join(format!("f{i}")), bytes).unwrap();
    }
    let nix_store = format!("local?root={}", lab.dir().join("nixlocal").display());
    let added = Command::new("nix-store")
        .args(["--store", &nix_store, "--add"])
        .arg(&data)
        .env("NIX_CONFIG", xnix_test_support::NIX_CONF)
        .output()
        .expect("nix-store --add");
    let path = String::from_utf8_lossy(&added.stdout).trim().to_string();
    let xroot = lab.dir().join("xlocal");
    let m = run_measured(
        Command::new(&xnix)
            .args(["--store-dir", "/nix/store", "--store-root"])
            .arg(&xroot)
            .args(["store", "add"])
            .arg(&data),
    )
    .unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let nix_copy = run_measured(
        lab.command("nix")
            .args(["copy", "--from", &nix_store, "--to", &nix_peer.url(), &path])
            .env("NIX_SSHOPTS", lab.ssh_opts())
            .env("NIX_CONFIG", xnix_test_support::NIX_CONF),
    )
    .unwrap();
    assert!(
        nix_copy.status.success(),
        "{}",
        String::from_utf8_lossy(&nix_copy.stderr)
    );
    let xnix_copy = run_measured(
        lab.command(&xnix)
            .args(["--store-dir", "/nix/store", "--store-root"])
            .arg(&xroot)
            .args(["copy", "--to", &hosts[1].url(), &path])
            .env("XNIX_SSHOPTS", lab.ssh_opts()),
    )
    .unwrap();
    assert!(
        xnix_copy.status.success(),
        "{}",
        String::from_utf8_lossy(&xnix_copy.stderr)
    );
    let mib = 64.0;
    let mut t = Table::new(["copy 64 MiB over ssh", "seconds", "MiB/s", "time vs Nix"]);
    for (name, m) in [("nix copy (Nix 2.8)", &nix_copy), ("xnix copy", &xnix_copy)] {
        t.row([
            name.to_string(),
            secs(m.wall),
            format!("{:.1}", mib / m.wall.as_secs_f64()),
            format!("{:.2}x", m.wall.as_secs_f64() / nix_copy.wall.as_secs_f64()),
        ]);
    }
    println!("{}", t.render());
}
