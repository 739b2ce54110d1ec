//! The local store: adds compared with Nix, registry queries, closure,
//! verify, GC roots and collection, path locks, concurrency across threads
//! and processes, and a crash (SIGKILL) in the middle of adds.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use xnix_formats::hash::HashAlgo;
use xnix_formats::path::{ContentAddressMethod, StoreDir};
use xnix_formats::{Derivation, StorePath};
use xnix_store::local::{GcOptions, LocalStore, LocalStoreConfig};
use xnix_test_support::{nix, store_uri, Rng};

fn open(root: &Path, dir: &str) -> LocalStore {
    LocalStore::open(LocalStoreConfig::with_root(
        StoreDir::new(dir).unwrap(),
        root,
    ))
    .unwrap()
}

fn sample_tree(dir: &Path) {
    fs::create_dir_all(dir.join("sub/empty")).unwrap();
    fs::write(dir.join("sub/file"), b"file\n").unwrap();
    fs::write(dir.join("exe"), b"#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(dir.join("exe"), fs::Permissions::from_mode(0o755)).unwrap();
    symlink("exe", dir.join("link")).unwrap();
}

#[test]
fn adds_match_nix_and_are_registered() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    sample_tree(&tree);
    let file = work.path().join("notes.txt");
    fs::write(&file, b"some notes\n").unwrap();
    for dir in ["/nix/store", "/xnix/store"] {
        let ours_root = tempfile::tempdir().unwrap();
        let nix_root = tempfile::tempdir().unwrap();
        let uri = format!("{}&store={dir}", store_uri(nix_root.path()));
        let store = open(ours_root.path(), dir);
        for src in [&tree, &file] {
            let name = src.file_name().unwrap().to_str().unwrap();
            let p = store.add_to_store(name, src).unwrap();
            let theirs = nix(
                "nix-store",
                &["--store", &uri, "--add", src.to_str().unwrap()],
            );
            assert_eq!(store.print_path(&p), theirs.trim());
            // Registry NAR hash and size agree with Nix's registry.
            let info = store.query_path_info(&p).unwrap().unwrap();
            let nix_hash = nix(
                "nix-store",
                &["--store", &uri, "--query", "--hash", theirs.trim()],
            );
            assert_eq!(nix_hash.trim(), info.nar_hash.to_string());
            let nix_size = nix(
                "nix-store",
                &["--store", &uri, "--query", "--size", theirs.trim()],
            );
            assert_eq!(nix_size.trim(), info.nar_size.to_string());
            // Both stores hold identical bytes.
            let mut a = Vec::new();
            xnix_fs::nar::dump_path(&store.real_path(&p), &mut a).unwrap();
            // Nix 2.8 keeps the physical store at <root>/nix/store whatever the logical dir.
            let theirs_real = nix_root.path().join("nix/store").join(p.base_name());
            let b = xnix_test_support::nix_bytes(
                "nix-store",
                &["--dump", theirs_real.to_str().unwrap()],
            );
            assert!(a == b, "{name} contents differ");
            // Store objects are read-only with mtime 1.
            let m = fs::symlink_metadata(store.real_path(&p)).unwrap();
            assert_eq!(m.permissions().mode() & 0o222, 0);
            assert_eq!(std::os::unix::fs::MetadataExt::mtime(&m), 1);
        }
        for (method, flag) in [
            (ContentAddressMethod::Flat, None),
            (ContentAddressMethod::Recursive, Some("--recursive")),
        ] {
            for algo in [HashAlgo::Sha1, HashAlgo::Sha512] {
                let (p, _) = store
                    .add_to_store_fixed("notes.txt", &file, method, algo)
                    .unwrap();
                let mut args = vec!["--store", &uri, "--add-fixed"];
                args.extend(flag);
                args.extend([algo.name(), file.to_str().unwrap()]);
                assert_eq!(store.print_path(&p), nix("nix-store", &args).trim());
            }
        }
        let err = store
            .add_to_store_fixed("tree", &tree, ContentAddressMethod::Flat, HashAlgo::Sha256)
            .unwrap_err();
        assert!(err.to_string().contains("regular file"), "{err}");
        assert!(store.verify().unwrap().is_clean());
    }
}

#[test]
fn text_paths_derivations_closure_and_referrers() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path(), "/nix/store");
    let a = store
        .add_text_to_store("a", b"A", &BTreeSet::new())
        .unwrap();
    let b_text = format!("B uses {}", store.print_path(&a));
    let b = store
        .add_text_to_store("b", b_text.as_bytes(), &[a.clone()].into())
        .unwrap();
    let c = store
        .add_text_to_store("c", b"C", &[b.clone()].into())
        .unwrap();
    assert_eq!(
        store.closure(&[c.clone()].into()).unwrap(),
        [a.clone(), b.clone(), c.clone()].into()
    );
    assert_eq!(store.query_referrers(&a).unwrap(), [b.clone()].into());
    let info = store.query_path_info(&b).unwrap().unwrap();
    assert_eq!(info.references, [a.clone()].into());
    assert!(info.ca.as_deref().unwrap().starts_with("text:sha256:"));
    // A reference that is not valid is refused, and nothing is registered.
    let ghost = StorePath::from_base_name("00000000000000000000000000000000-ghost").unwrap();
    let err = store
        .add_text_to_store("d", b"D", &[ghost].into())
        .unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
    assert_eq!(store.query_all_valid_paths().unwrap().len(), 3);

    // A derivation written by us lands at the path Nix gives it.
    let work = tempfile::tempdir().unwrap();
    let expr = work.path().join("d.nix");
    fs::write(
        &expr,
        "derivation { name = \"hello\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; \
         args = [ \"-c\" \"echo hi > $out\" ]; src = builtins.toFile \"a\" \"A\"; outputs = [ \"out\" \"doc\" ]; }",
    )
    .unwrap();
    let nix_root = tempfile::tempdir().unwrap();
    let drv_path = nix(
        "nix-instantiate",
        &[
            "--store",
            &store_uri(nix_root.path()),
            expr.to_str().unwrap(),
        ],
    );
    let text = fs::read_to_string(
        nix_root
            .path()
            .join(drv_path.trim().trim_start_matches('/')),
    )
    .unwrap();
    let drv = Derivation::parse_aterm(store.store_dir(), "hello", &text).unwrap();
    let ours = store.add_derivation(&drv).unwrap();
    assert_eq!(store.print_path(&ours), drv_path.trim());
    assert_eq!(store.read_derivation(&ours).unwrap(), drv);
    let outs = store.query_derivation_outputs(&ours).unwrap();
    assert_eq!(
        outs.keys().cloned().collect::<Vec<_>>(),
        vec!["doc".to_string(), "out".to_string()]
    );
    assert_eq!(
        store.query_path_info(&ours).unwrap().unwrap().references,
        [a].into()
    );
}

#[test]
fn built_outputs_scan_references_and_register_together() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path(), "/xnix/store");
    let dep = store
        .add_text_to_store("dep", b"dep", &BTreeSet::new())
        .unwrap();
    let unused = store
        .add_text_to_store("unused", b"unused", &BTreeSet::new())
        .unwrap();
    let sd = store.store_dir().clone();
    let out = sd
        .parse("/xnix/store/1b8m03r63zqhnjf7l5wnldhh7c134ap5-out")
        .unwrap();
    let dev = sd
        .parse("/xnix/store/2c9m03r63zqhnjf7l5wnldhh7c134ap5-out-dev")
        .unwrap();
    let locks = store
        .lock_paths(&[out.clone(), dev.clone()].into())
        .unwrap();
    // A builder writes both outputs in place: `out` refers to dep and to
    // `dev`, `dev` refers to `out` and to itself (by name inside a file name).
    fs::create_dir_all(store.real_path(&out).join("bin")).unwrap();
    fs::write(
        store.real_path(&out).join("bin/x"),
        format!("#!{}/bin/sh {}", sd.print(&dep), sd.print(&dev)),
    )
    .unwrap();
    fs::create_dir_all(store.real_path(&dev)).unwrap();
    symlink(
        sd.print(&out),
        store
            .real_path(&dev)
            .join(format!("link-{}", dev.hash_part())),
    )
    .unwrap();
    let candidates: BTreeSet<StorePath> =
        [dep.clone(), unused.clone(), out.clone(), dev.clone()].into();
    let i1 = store.make_path_info(&out, &candidates, None).unwrap();
    let i2 = store.make_path_info(&dev, &candidates, None).unwrap();
    assert_eq!(i1.references, [dep.clone(), dev.clone()].into());
    assert_eq!(i2.references, [out.clone(), dev.clone()].into());
    store.register_valid_paths(&[i1, i2]).unwrap();
    drop(locks);
    assert_eq!(
        store.closure(&[dev.clone()].into()).unwrap(),
        [dep.clone(), out.clone(), dev.clone()].into()
    );
    assert!(store.verify().unwrap().is_clean());
}

#[test]
fn fsync_mode_adds_the_same_objects() {
    let root = tempfile::tempdir().unwrap();
    let mut config =
        LocalStoreConfig::with_root(StoreDir::new("/xnix/store").unwrap(), root.path());
    config.fsync = true;
    let store = LocalStore::open(config).unwrap();
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("t");
    sample_tree(&tree);
    let p = store.add_to_store("t", &tree).unwrap();
    let plain_root = tempfile::tempdir().unwrap();
    assert_eq!(
        open(plain_root.path(), "/xnix/store")
            .add_to_store("t", &tree)
            .unwrap(),
        p
    );
    assert!(store.verify().unwrap().is_clean());
}

#[test]
fn verify_reports_missing_and_corrupt() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path(), "/xnix/store");
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("t");
    sample_tree(&tree);
    let p1 = store.add_to_store("t", &tree).unwrap();
    let p2 = store
        .add_text_to_store("x", b"x", &BTreeSet::new())
        .unwrap();
    let p3 = store
        .add_text_to_store("y", b"y", &BTreeSet::new())
        .unwrap();
    assert!(store.verify().unwrap().is_clean());
    let f = store.real_path(&p1).join("sub/file");
    fs::set_permissions(
        store.real_path(&p1).join("sub"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&f, b"tampered").unwrap();
    fs::remove_file(store.real_path(&p2)).unwrap();
    let r = store.verify().unwrap();
    assert_eq!(r.checked, 3);
    assert_eq!(r.missing, vec![p2]);
    assert_eq!(r.corrupt.len(), 1);
    assert_eq!(r.corrupt[0].0, p1);
    assert!(!r.corrupt.iter().any(|c| c.0 == p3));
}

#[test]
fn gc_keeps_roots_and_deletes_the_rest() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (a, b, c, d, e) = {
        let store = open(root.path(), "/xnix/store");
        let a = store
            .add_text_to_store("a", b"a", &BTreeSet::new())
            .unwrap();
        let b = store
            .add_text_to_store("b", b"b", &[a.clone()].into())
            .unwrap();
        let c = store
            .add_text_to_store("c", b"c", &BTreeSet::new())
            .unwrap();
        let d = store
            .add_text_to_store("d", b"d", &[c.clone()].into())
            .unwrap();
        let e = store
            .add_text_to_store("e", b"e", &BTreeSet::new())
            .unwrap();
        store.add_gc_root("keep-b", &b).unwrap();
        store
            .add_indirect_root(&work.path().join("result"), &d)
            .unwrap();
        (a, b, c, d, e)
    };
    // The store that added them is gone, so its temporary roots are too.
    let store = open(root.path(), "/xnix/store");
    let roots: BTreeSet<StorePath> = store
        .find_roots()
        .unwrap()
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(roots, [b.clone(), d.clone()].into());
    let dry = store.gc(&GcOptions { dry_run: true }).unwrap();
    assert_eq!(dry.deleted, vec![e.clone()]);
    assert!(store.is_valid_path(&e).unwrap());
    // A live store's temporary root protects a path.
    let other = open(root.path(), "/xnix/store");
    other.add_temp_root(&e).unwrap();
    assert!(store.gc(&GcOptions::default()).unwrap().deleted.is_empty());
    drop(other);
    let r = store.gc(&GcOptions::default()).unwrap();
    assert_eq!(r.deleted, vec![e.clone()]);
    assert!(r.bytes_freed > 0);
    assert!(!store.real_path(&e).exists());
    // Removing the `result` link makes d and c garbage; the stale auto root goes too.
    fs::remove_file(work.path().join("result")).unwrap();
    let r = store.gc(&GcOptions::default()).unwrap();
    assert_eq!(
        r.deleted.into_iter().collect::<BTreeSet<_>>(),
        [c.clone(), d.clone()].into()
    );
    assert!(store.is_valid_path(&a).unwrap() && store.is_valid_path(&b).unwrap());
    assert!(store.verify().unwrap().is_clean());
    // A path being built (locked, unregistered) survives; an abandoned one does not.
    let building = StorePath::from_base_name("1b8m03r63zqhnjf7l5wnldhh7c134ap5-building").unwrap();
    let abandoned =
        StorePath::from_base_name("2c9m03r63zqhnjf7l5wnldhh7c134ap5-abandoned").unwrap();
    let lock = store.lock_paths(&[building.clone()].into()).unwrap();
    fs::write(store.real_path(&building), b"partial").unwrap();
    fs::write(store.real_path(&abandoned), b"partial").unwrap();
    let r = store.gc(&GcOptions::default()).unwrap();
    assert_eq!(r.removed_invalid, vec![abandoned.base_name().to_string()]);
    assert!(store.real_path(&building).exists());
    drop(lock);
    // Deleting a live path explicitly is refused.
    assert!(store.delete_paths(&[a.clone()].into()).is_err());
}

#[test]
fn path_locks_exclude_each_other() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(open(root.path(), "/xnix/store"));
    let p: BTreeSet<StorePath> =
        [StorePath::from_base_name("1b8m03r63zqhnjf7l5wnldhh7c134ap5-x").unwrap()].into();
    let held = store.lock_paths(&p).unwrap();
    assert!(store.try_lock_paths(&p).unwrap().is_none());
    let s2 = store.clone();
    let p2 = p.clone();
    // The clock starts before the waiter exists, so a late start of the
    // thread cannot make its wait look short.
    let start = Instant::now();
    let t = std::thread::spawn(move || {
        let _l = s2.lock_paths(&p2).unwrap();
        start.elapsed()
    });
    std::thread::sleep(Duration::from_millis(300));
    drop(held);
    assert!(t.join().unwrap() >= Duration::from_millis(300));
    assert!(store.try_lock_paths(&p).unwrap().is_some());
}

#[test]
fn concurrent_adds_from_threads() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("t");
    sample_tree(&tree);
    let store = Arc::new(open(root.path(), "/xnix/store"));
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            let tree = tree.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for j in 0..15 {
                    // Every thread adds the shared objects and some of its own.
                    got.push(store.add_to_store("t", &tree).unwrap());
                    got.push(
                        store
                            .add_text_to_store("shared", b"same", &BTreeSet::new())
                            .unwrap(),
                    );
                    got.push(
                        store
                            .add_text_to_store(
                                "own",
                                format!("{i}-{j}").as_bytes(),
                                &BTreeSet::new(),
                            )
                            .unwrap(),
                    );
                }
                got
            })
        })
        .collect();
    let mut all = BTreeSet::new();
    for h in handles {
        all.extend(h.join().unwrap());
    }
    assert_eq!(all.len(), 2 + 6 * 15);
    assert_eq!(store.query_all_valid_paths().unwrap(), all);
    assert!(store.verify().unwrap().is_clean());
}

/// Child mode for the process tests: adds objects to the store named by the
/// environment until killed or done. Run only by the tests below.
#[test]
#[ignore = "child process mode, started by the other tests"]
fn child_adder() {
    let root = std::env::var("XNIX_STORE_TEST_ROOT").expect("run by concurrent/crash tests only");
    let seed: u64 = std::env::var("XNIX_STORE_TEST_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let rounds: usize = std::env::var("XNIX_STORE_TEST_ROUNDS")
        .unwrap()
        .parse()
        .unwrap();
    let store = open(Path::new(&root), "/xnix/store");
    let mut rng = Rng(seed);
    let scratch = tempfile::tempdir().unwrap();
    // One big file, made once: each round's time then goes to the add itself
    // (copying and hashing into a temporary directory of the store), so a
    // kill most often lands mid-add. `small` makes each round's tree new.
    let d = scratch.path().join("tree");
    fs::create_dir_all(d.join("sub")).unwrap();
    fs::write(d.join("sub/big"), rng.bytes(8 << 20)).unwrap();
    for i in 0..rounds {
        fs::write(d.join("small"), format!("{seed}-{i}")).unwrap();
        store.add_to_store("tree", &d).unwrap();
        store
            .add_text_to_store("shared", b"shared text", &BTreeSet::new())
            .unwrap();
        store
            .add_text_to_store("t", format!("{seed}/{i}").as_bytes(), &BTreeSet::new())
            .unwrap();
    }
}

fn spawn_child(root: &Path, seed: u64, rounds: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_adder",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("XNIX_STORE_TEST_ROOT", root)
        .env("XNIX_STORE_TEST_SEED", seed.to_string())
        .env("XNIX_STORE_TEST_ROUNDS", rounds.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn concurrent_adds_from_processes() {
    let root = tempfile::tempdir().unwrap();
    let children: Vec<_> = (1..=4).map(|s| spawn_child(root.path(), s, 4)).collect();
    // Wait for all before judging, so a failure shows the first cause rather
    // than the others losing their store when the temporary root goes.
    let statuses: Vec<_> = children
        .into_iter()
        .map(|mut c| c.wait().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| s.success()), "{statuses:?}");
    let store = open(root.path(), "/xnix/store");
    // 4 trees + 4 texts per child, plus one shared text.
    assert_eq!(store.query_all_valid_paths().unwrap().len(), 4 * 8 + 1);
    assert!(store.verify().unwrap().is_clean());
}

/// First use of a store by several processes at once: every one of them
/// opens it. (SQLite refuses, without waiting, one of two connections that
/// race to put a new database into WAL mode; the store must not pass that on.)
#[test]
fn simultaneous_first_opens_from_processes() {
    for _ in 0..30 {
        let root = tempfile::tempdir().unwrap();
        let children: Vec<_> = (1..=8).map(|s| spawn_child(root.path(), s, 0)).collect();
        let failed = children
            .into_iter()
            .map(|mut c| c.wait().unwrap())
            .filter(|status| !status.success())
            .count();
        assert_eq!(
            failed, 0,
            "{failed} of 8 processes could not open a new store"
        );
    }
}

#[test]
fn sigkill_mid_add_leaves_nothing_partial() {
    let root = tempfile::tempdir().unwrap();
    let real_store = root.path().join("xnix/store");
    let mut rng = Rng(5);
    let mut killed_mid_add = 0;
    for round in 0..6 {
        let mut child = spawn_child(root.path(), 100 + round, 200);
        std::thread::sleep(Duration::from_millis(150 + rng.below(400)));
        // `Child::kill` sends SIGKILL: no chance to clean up.
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "child finished before it was killed; give it more work"
        );
        if fs::read_dir(&real_store)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with('.'))
        {
            killed_mid_add += 1;
        }
        let store = open(root.path(), "/xnix/store");
        let report = store.verify().unwrap();
        assert!(report.is_clean(), "round {round}: {report:?}");
        // Opening cleaned the killed process's temporaries.
        let leftovers: Vec<String> = fs::read_dir(&real_store)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
        // Everything registered is complete (verify re-hashed it); unregistered
        // leftovers are removed by gc, which then leaves a clean store.
        store.gc(&GcOptions::default()).unwrap();
        assert!(store.verify().unwrap().is_clean());
        let names: Vec<String> = fs::read_dir(&real_store)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.is_empty(),
            "after gc with no roots the store is empty: {names:?}"
        );
    }
    // Most kills land while an object is being copied or hashed in its
    // temporary directory; the test must have exercised that at least once.
    eprintln!("{killed_mid_add} of 6 kills landed mid-add");
    assert!(killed_mid_add > 0, "no kill landed mid-add");
}

#[test]
fn import_and_export_nar_between_stores() {
    let a_root = tempfile::tempdir().unwrap();
    let b_root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("t");
    sample_tree(&tree);
    let a = open(a_root.path(), "/xnix/store");
    let b = open(b_root.path(), "/xnix/store");
    let dep = a
        .add_text_to_store("dep", b"dep", &BTreeSet::new())
        .unwrap();
    let src = a.add_to_store("t", &tree).unwrap();
    for p in [&dep, &src] {
        let info = a.query_path_info(p).unwrap().unwrap();
        let mut nar = Vec::new();
        a.export_nar(p, &mut nar).unwrap();
        // A corrupted stream is refused and leaves nothing registered.
        let mut bad = nar.clone();
        let last = bad.len() - 20;
        bad[last] ^= 1;
        assert!(b.import_nar(&info, &bad[..]).is_err());
        assert!(!b.is_valid_path(p).unwrap());
        b.import_nar(&info, &nar[..]).unwrap();
        let got = b.query_path_info(p).unwrap().unwrap();
        assert_eq!(
            (got.nar_hash, got.nar_size, got.ca),
            (info.nar_hash, info.nar_size, info.ca)
        );
    }
    assert!(b.verify().unwrap().is_clean());
    // References must be present first.
    let c_root = tempfile::tempdir().unwrap();
    let c = open(c_root.path(), "/xnix/store");
    let user = a
        .add_text_to_store("user", b"uses dep", &[dep.clone()].into())
        .unwrap();
    let info = a.query_path_info(&user).unwrap().unwrap();
    let mut nar = Vec::new();
    a.export_nar(&user, &mut nar).unwrap();
    let err = c.import_nar(&info, &nar[..]).unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
}

/// Entries of the physical store directory (temporaries included).
fn store_entries(store: &LocalStore) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(store.real_store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn refused_adds_leave_nothing_in_the_store() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let store = open(root.path(), "/xnix/store");
    let bad = work.path().join("bad.drv");
    fs::write(&bad, b"not a derivation\n").unwrap();

    let err = store.add_to_store("bad.drv", &bad).unwrap_err();
    assert!(err.to_string().contains("derivation"), "{err}");
    let err = store
        .add_to_store_fixed(
            "bad.drv",
            &bad,
            ContentAddressMethod::Flat,
            HashAlgo::Sha256,
        )
        .unwrap_err();
    assert!(err.to_string().contains("derivation"), "{err}");
    let err = store
        .add_text_to_store("bad.drv", b"Derive(", &BTreeSet::new())
        .unwrap_err();
    assert!(err.to_string().contains("derivation"), "{err}");

    // A NAR whose hash and size match but whose content is no derivation.
    let mut nar = Vec::new();
    xnix_formats::nar::dump_bytes(b"not a derivation\n", false, &mut nar).unwrap();
    let (nar_hash, nar_size) = {
        let mut h = xnix_formats::hash::HashingWriter::new(HashAlgo::Sha256);
        std::io::Write::write_all(&mut h, &nar).unwrap();
        h.finish()
    };
    let path = StorePath::from_base_name("00000000000000000000000000000000-imported.drv").unwrap();
    let info = xnix_store::ValidPathInfo {
        path: path.clone(),
        nar_hash,
        nar_size,
        references: BTreeSet::new(),
        deriver: None,
        registration_time: 0,
        ca: None,
        sigs: Vec::new(),
        ultimate: false,
    };
    assert!(store.import_nar(&info, &nar[..]).is_err());
    assert!(!store.is_valid_path(&path).unwrap());

    assert_eq!(store_entries(&store), Vec::<String>::new());
    assert!(store.query_all_valid_paths().unwrap().is_empty());
    // The same name with a real derivation in it is still accepted.
    let mut drv = Derivation {
        name: "ok".into(),
        builder: "/bin/sh".into(),
        platform: "x86_64-linux".into(),
        ..Default::default()
    };
    drv.env.insert("name".into(), "ok".into());
    let p = store.add_derivation(&drv).unwrap();
    assert_eq!(store_entries(&store), vec![p.base_name()]);
}
