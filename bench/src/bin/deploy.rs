//! Deployment speed on SSH test hosts (sshd in namespaces, as the tests
//! start them): `xnix deploy` of tests/deploy/fleet.nix to 1 and to 8 hosts
//! (the goal: 8 take at most 1.5x the time of 1), a redeploy with nothing
//! changed (goal: under 1 s), and copy throughput over SSH next to Nix 2.8's
//! `nix copy --to ssh://` of the same closure to a host of its own.
//! Timings are printed, never asserted. Needs root (namespaces).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use xnix_bench::{find_xnix, run_measured, Table};
use xnix_test_support::ssh_hosts::{Host, Lab};

fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

fn deploy(lab: &Lab, xnix: &Path, hosts: &[&Host], generation: u32) -> Duration {
    let mut cmd = lab.deploy_fleet(xnix, hosts);
    cmd.args(["--arg", "generation", &generation.to_string()]);
    let m = run_measured(&mut cmd).expect("running xnix deploy");
    assert!(
        m.status.success(),
        "xnix deploy failed:\n{}",
        String::from_utf8_lossy(&m.stderr)
    );
    m.wall
}

fn main() {
    let xnix = find_xnix().unwrap_or_else(|e| panic!("{e}"));
    let mut lab = Lab::new();
    let program: &[(&Path, &str)] = &[(xnix.as_path(), "xnix")];
    let hosts: Vec<Host> = (1..=8)
        .map(|i| lab.host(&format!("board{i}"), program))
        .collect();
    let nix_peer = lab.host("nixpeer", &[]);

    // Build once (generation 1 and 2), so the deployments below measure
    // copying and activating only.
    deploy(&lab, &xnix, &[&hosts[7]], 1);
    let one = deploy(&lab, &xnix, &[&hosts[0]], 2);
    let all: Vec<&Host> = hosts.iter().collect();
    let eight = deploy(&lab, &xnix, &all, 2);
    let again = deploy(&lab, &xnix, &[&hosts[0]], 2);
    let mut t = Table::new(["deployment", "seconds", "goal"]);
    t.row(["1 host".to_string(), secs(one), String::new()]);
    t.row([
        "8 hosts in parallel".to_string(),
        secs(eight),
        format!(
            "<= 1.5x one host: {:.2}x",
            eight.as_secs_f64() / one.as_secs_f64()
        ),
    ]);
    t.row([
        "redeploy, nothing changed".to_string(),
        secs(again),
        format!("< 1 s: {:.2}x of 1 s", again.as_secs_f64()),
    ]);
    println!("{}", t.render());

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
