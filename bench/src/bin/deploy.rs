//! Deployment speed on SSH test hosts (sshd in namespaces, as the tests
//! start them): `xnix deploy` of tests/deploy/fleet.nix to 1 and to 8 hosts
//! (the goal: 8 take at most 1.5x the time of 1), a redeploy with nothing
//! changed (goal: under 1 s; from a file, evaluated again, and from a flake,
//! whose evaluation the cache remembers), and copy throughput over SSH next
//! to Nix 2.8's `nix copy --to ssh://` of the same closure to a host of its
//! own. Timings are printed, never asserted. Needs root (namespaces).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use xnix_bench::{find_xnix, run_measured, Measurement, Table};
use xnix_test_support::ssh_hosts::{Host, Lab};
use xnix_test_support::store_root::workspace_root;

fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

fn deploy(lab: &Lab, xnix: &Path, hosts: &[&Host], generation: u32) -> Measurement {
    let mut cmd = lab.deploy_fleet(xnix, hosts);
    cmd.args(["--arg", "generation", &generation.to_string()]);
    measured(&mut cmd)
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

fn row(t: &mut Table, name: &str, m: &Measurement, goal: String) {
    t.row([name.to_string(), secs(m.wall), secs(m.cpu), goal]);
}

fn main() {
    let xnix = find_xnix().unwrap_or_else(|e| panic!("{e}"));
    let mut lab = Lab::new();
    let program: &[(&Path, &str)] = &[(xnix.as_path(), "xnix")];
    let hosts: Vec<Host> = (1..=8)
        .map(|i| lab.host(&format!("board{i}"), program))
        .collect();
    let nix_peer = lab.host("nixpeer", &[]);
    let flake_board = lab.host("flakeboard", program);

    // Build once (generation 1 and 2), so the deployments below measure
    // copying and activating only.
    deploy(&lab, &xnix, &[&hosts[7]], 1);
    deploy(&lab, &xnix, &[&hosts[6]], 2);
    let load_before = load_average();
    let one = deploy(&lab, &xnix, &[&hosts[0]], 2);
    let all: Vec<&Host> = hosts.iter().collect();
    let eight = deploy(&lab, &xnix, &all, 2);
    let again = deploy(&lab, &xnix, &[&hosts[0]], 2);
    // A flake: the first deployment evaluates it (and fills the cache).
    deploy_flake(&lab, &xnix, &flake_board);
    let flake_again = deploy_flake(&lab, &xnix, &flake_board);
    let mut t = Table::new(["deployment", "seconds", "CPU s (xnix + ssh)", "goal"]);
    row(&mut t, "1 host", &one, String::new());
    row(
        &mut t,
        "8 hosts in parallel",
        &eight,
        format!(
            "<= 1.5x one host: {:.2}x",
            eight.wall.as_secs_f64() / one.wall.as_secs_f64()
        ),
    );
    row(
        &mut t,
        "redeploy, nothing changed (-f file)",
        &again,
        format!("< 1 s: {:.2}x of 1 s", again.wall.as_secs_f64()),
    );
    row(
        &mut t,
        "redeploy, nothing changed (--flake)",
        &flake_again,
        format!("< 1 s: {:.2}x of 1 s", flake_again.wall.as_secs_f64()),
    );
    println!("{}", t.render());
    println!(
        "load average before: {load_before}; after: {}",
        load_average()
    );

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
