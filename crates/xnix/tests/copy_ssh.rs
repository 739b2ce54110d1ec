//! `xnix copy --to/--from ssh://` against SSH test hosts (sshd in
//! namespaces, crates/xnix-test-support/src/ssh_hosts.rs): whole closures,
//! only what is missing, one SSH connection per run, a machine that runs only
//! Nix 2.8 as a peer with `--store-dir /nix/store`, clear errors for hosts
//! that cannot be reached, and a copy killed half-way that leaves only
//! complete paths registered and completes when run again.

use std::path::Path;
use std::process::Output;

use xnix_formats::{StoreDir, StorePath};
use xnix_store::{LocalStore, LocalStoreConfig};
use xnix_test_support::ssh_hosts::{Host, Lab};
use xnix_test_support::unique_salt;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn store_at(root: &Path, dir: &str) -> LocalStore {
    LocalStore::open(LocalStoreConfig::with_root(
        StoreDir::new(dir).unwrap(),
        root,
    ))
    .unwrap()
}

fn host_store(host: &Host) -> LocalStore {
    store_at(&host.root(), "/xnix/store")
}

/// `xnix ARGS` run in the lab (as the deploying machine).
fn xnix(lab: &Lab, args: &[&str]) -> Output {
    lab.xnix(XNIX).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Three paths, each referring to the one before; `big` bytes in the first.
fn closure(store: &LocalStore, salt: &str, big: usize) -> Vec<StorePath> {
    let mut text = format!("{salt}\n").into_bytes();
    text.resize(big.max(text.len()), b'x');
    let a = store
        .add_text_to_store("a", &text, &Default::default())
        .unwrap();
    let b = store
        .add_text_to_store("b", store.print_path(&a).as_bytes(), &[a.clone()].into())
        .unwrap();
    let c = store
        .add_text_to_store("c", store.print_path(&b).as_bytes(), &[b.clone()].into())
        .unwrap();
    vec![a, b, c]
}

fn nar(store: &LocalStore, p: &StorePath) -> Vec<u8> {
    let mut out = Vec::new();
    store.export_nar(p, &mut out).unwrap();
    out
}

fn logins(host: &Host) -> usize {
    host.sshd_log().matches("Accepted publickey").count()
}

#[test]
fn copy_to_and_from_ssh_hosts() {
    let mut lab = Lab::new();
    let a = lab.host("a", &[(Path::new(XNIX), "xnix")]);
    let nixonly = lab.host("nixonly", &[]);
    let local = lab.dir().join("local");
    let local_s = local.display().to_string();
    let store = store_at(&local, "/xnix/store");
    let salt = unique_salt();
    let paths = closure(&store, &salt, 0);
    let top = store.print_path(&paths[2]);

    // To an xnix host: the closure, references first, one login.
    let before = logins(&a);
    let out = ok(&xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--json",
            "--to",
            &a.url(),
            &top,
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let copied: Vec<String> = paths.iter().map(|p| store.print_path(p)).collect();
    assert_eq!(json["copied"], serde_json::json!(copied));
    assert_eq!(
        logins(&a),
        before + 1,
        "one SSH connection for the whole copy"
    );
    let remote = host_store(&a);
    for p in &paths {
        assert_eq!(nar(&remote, p), nar(&store, p));
    }
    assert!(remote.verify().unwrap().is_clean());
    drop(remote);

    // Again: nothing travels.
    let out = ok(&xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--json",
            "--to",
            &a.url(),
            &top,
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["copied"], serde_json::json!([]));
    assert_eq!(json["present"].as_array().unwrap().len(), 3);

    // From it: a path made there, into a fresh store.
    let remote = host_store(&a);
    let there = remote
        .add_text_to_store(
            "there",
            format!("{salt} uses {top}").as_bytes(),
            &[paths[2].clone()].into(),
        )
        .unwrap();
    let there_s = remote.print_path(&there);
    drop(remote);
    let local2 = lab.dir().join("local2").display().to_string();
    ok(&xnix(
        &lab,
        &[
            "--store-root",
            &local2,
            "copy",
            "--from",
            &a.url(),
            &there_s,
        ],
    ));
    let store2 = store_at(Path::new(&local2), "/xnix/store");
    assert_eq!(store2.closure(&[there.clone()].into()).unwrap().len(), 4);
    assert!(store2.verify().unwrap().is_clean());

    // A machine with only Nix: a peer for the store directory /nix/store.
    let nlocal = lab.dir().join("nlocal");
    let nstore = store_at(&nlocal, "/nix/store");
    let npaths = closure(&nstore, &salt, 0);
    let ntop = nstore.print_path(&npaths[2]);
    let nlocal_s = nlocal.display().to_string();
    ok(&xnix(
        &lab,
        &[
            "--store-dir",
            "/nix/store",
            "--store-root",
            &nlocal_s,
            "copy",
            "--to",
            &nixonly.url(),
            &ntop,
        ],
    ));
    let (good, out) = lab.ssh(
        &nixonly,
        &format!("nix-store --verify-path {ntop} && nix-store -q --requisites {ntop} | wc -l"),
    );
    assert!(good, "{out}");
    assert_eq!(out.trim(), "3");
    // ... but not for xnix's store directory.
    let out = xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--to",
            &nixonly.url(),
            &top,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--store-dir /nix/store"));

    // An unreachable host and a refused key: clear errors.
    let out = xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--to",
            "ssh://root@10.77.99.2",
            &top,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect") && err.contains("ssh://root@10.77.99.2"),
        "{err}"
    );
    let out = xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--to",
            &format!("ssh://nobody@{}", a.address),
            &top,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

#[test]
fn a_copy_killed_half_way_leaves_only_complete_paths_and_completes_when_run_again() {
    let mut lab = Lab::new();
    let a = lab.host("a", &[(Path::new(XNIX), "xnix")]);
    let local = lab.dir().join("local");
    let local_s = local.display().to_string();
    let store = store_at(&local, "/xnix/store");
    let salt = unique_salt();
    // Many paths, so that the kill lands in the middle of the closure.
    let mut tops = Vec::new();
    for i in 0..12 {
        let p = closure(&store, &format!("{salt}-{i}"), 1 << 20);
        tops.push(store.print_path(&p[2]));
    }
    let mut args = vec!["--store-root", local_s.as_str(), "copy", "--to"];
    let url = a.url();
    args.push(&url);
    args.extend(tops.iter().map(String::as_str));
    let mut interrupted = 0;
    for (round, extra_ms) in [0u64, 25, 60].into_iter().enumerate() {
        let mut child = lab
            .xnix(XNIX)
            .args(&args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill it once this round's first path has arrived, a little later.
        let valid = |s: &LocalStore| s.query_all_valid_paths().unwrap().len();
        let start = valid(&host_store(&a));
        let t = std::time::Instant::now();
        while valid(&host_store(&a)) == start && t.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(extra_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever arrived is complete and verified; references first.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let remote = host_store(&a);
        let report = remote.verify().unwrap();
        eprintln!("round {round}: {} paths valid", report.checked);
        if report.checked < 36 {
            interrupted += 1;
        }
        assert!(report.is_clean(), "{report:?}");
        for p in remote.query_all_valid_paths().unwrap() {
            assert_eq!(nar(&remote, &p), nar(&store, &p));
        }
    }
    assert!(
        interrupted > 0,
        "no round was cut off in the middle of the copy"
    );
    ok(&xnix(&lab, &args));
    let remote = host_store(&a);
    assert_eq!(remote.query_all_valid_paths().unwrap().len(), 36);
    assert!(remote.verify().unwrap().is_clean());
}

#[test]
fn a_full_disk_on_the_target_is_a_clear_error_and_loses_nothing() {
    let mut lab = Lab::new();
    let small = lab.host_with_disk("small", &[(Path::new(XNIX), "xnix")], Some("6m"));
    let local = lab.dir().join("local");
    let local_s = local.display().to_string();
    let store = store_at(&local, "/xnix/store");
    let salt = unique_salt();
    // A small closure fits.
    let fits = closure(&store, &format!("{salt}-small"), 1 << 10);
    let fits_top = store.print_path(&fits[2]);
    ok(&xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--to",
            &small.url(),
            &fits_top,
        ],
    ));
    // One of 8 MB does not.
    let big = closure(&store, &format!("{salt}-big"), 8 << 20);
    let big_top = store.print_path(&big[2]);
    let out = xnix(
        &lab,
        &[
            "--store-root",
            &local_s,
            "copy",
            "--to",
            &small.url(),
            &big_top,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No space left on device"), "{err}");
    // Ask the host itself: its /xnix is a tmpfs in its own mount namespace.
    let valid = |p: &StorePath| {
        lab.ssh(
            &small,
            &format!("xnix path-info {} >/dev/null 2>&1", store.print_path(p)),
        )
        .0
    };
    let (good, text) = lab.ssh(&small, "xnix store verify --check-contents");
    assert!(good, "{text}");
    for p in &fits {
        assert!(valid(p), "what was there stays");
    }
    for p in &big {
        assert!(!valid(p), "nothing partial is registered");
    }
    // No scratch copy is left behind filling the disk.
    let (good, text) = lab.ssh(&small, "df -k /xnix | tail -1");
    assert!(good, "{text}");
    let used_kb: u64 = text.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(used_kb < 3 << 10, "{used_kb} KiB still used: {text}");
}
