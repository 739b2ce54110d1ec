//! The serve protocol against Nix 2.8: xnix's client copies closures to and
//! from `nix-store --serve --write` (Nix's server), and xnix's server is
//! checked in-process against bad input (a NAR that does not match its
//! description is refused and nothing is registered). Nix's own client
//! against `xnix serve` is crates/xnix/tests/serve_cli.rs. Nix missing is
//! a failure, not a skip.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use xnix_formats::{StoreDir, StorePath};
use xnix_remote::copy::{copy_from, copy_to};
use xnix_remote::server::{serve, ServeOptions};
use xnix_remote::{RemoteError, ServeClient};
use xnix_store::{LocalStore, LocalStoreConfig};
use xnix_test_support::{nix, nix_dump, nix_linked_texts, store_uri, unique_salt, NIX_CONF};

fn xnix_store(root: &Path) -> LocalStore {
    LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), root)).unwrap()
}

/// A session with `nix-store --serve --write` on the Nix store under `root`.
fn nix_server(root: &Path) -> ServeClient {
    let mut cmd = Command::new("nix-store");
    cmd.args(["--store", &store_uri(root), "--serve", "--write"])
        .env("NIX_CONFIG", NIX_CONF)
        .env_remove("NIX_STORE_DIR");
    ServeClient::spawn(cmd, &[], StoreDir::nix(), "nix-store --serve").unwrap()
}

/// A closure of three paths in an xnix store: a tree with an executable
/// and a symlink, a text referring to it, a text referring to that.
fn xnix_closure(store: &LocalStore, scratch: &Path, salt: &str) -> Vec<StorePath> {
    let tree = scratch.join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::write(tree.join("bin/hello"), format!("#!/bin/sh\necho {salt}\n")).unwrap();
    std::fs::set_permissions(
        tree.join("bin/hello"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("bin/hello", tree.join("run")).unwrap();
    let a = store.add_to_store("tree", &tree).unwrap();
    let b = store
        .add_text_to_store(
            "b",
            format!("uses {}", store.print_path(&a)).as_bytes(),
            &[a.clone()].into(),
        )
        .unwrap();
    let c = store
        .add_text_to_store(
            "c",
            format!("uses {}", store.print_path(&b)).as_bytes(),
            &[b.clone()].into(),
        )
        .unwrap();
    vec![a, b, c]
}

fn export(store: &LocalStore, p: &StorePath) -> Vec<u8> {
    let mut out = Vec::new();
    store.export_nar(p, &mut out).unwrap();
    out
}

#[test]
fn xnix_client_copies_closures_to_and_from_nix_store_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let xroot = tmp.path().join("x");
    let nroot = tmp.path().join("n");
    let nuri = store_uri(&nroot);
    let store = xnix_store(&xroot);
    let salt = unique_salt();
    let paths = xnix_closure(&store, tmp.path(), &salt);
    let top: BTreeSet<StorePath> = [paths[2].clone()].into();

    // To Nix: the whole closure, references first.
    let mut client = nix_server(&nroot);
    assert_eq!(client.version(), 0x207, "Nix 2.8 speaks serve protocol 2.7");
    let report = copy_to(&store, &mut client, &top, &Default::default(), &mut |_| {}).unwrap();
    assert_eq!(report.copied, paths);
    assert!(report.present.is_empty());
    for p in &paths {
        let full = store.print_path(p);
        assert_eq!(nix_dump(&nuri, &full), export(&store, p), "{full}");
        nix("nix-store", &["--store", &nuri, "--verify-path", &full]);
    }
    let refs = nix(
        "nix-store",
        &[
            "--store",
            &nuri,
            "--query",
            "--references",
            &store.print_path(&paths[2]),
        ],
    );
    assert_eq!(refs.trim(), store.print_path(&paths[1]));
    // Nix reports the same metadata through the protocol.
    let infos = client
        .query_path_infos(&paths.iter().cloned().collect())
        .unwrap();
    for p in &paths {
        let ours = store.query_path_info(p).unwrap().unwrap();
        let theirs = &infos[p];
        assert_eq!(
            (&theirs.nar_hash, theirs.nar_size, &theirs.references),
            (&ours.nar_hash, ours.nar_size, &ours.references)
        );
        assert_eq!(theirs.ca, ours.ca, "{}", store.print_path(p));
    }
    // Again: nothing to send.
    let again = copy_to(&store, &mut client, &top, &Default::default(), &mut |_| {}).unwrap();
    assert!(again.copied.is_empty());
    assert_eq!(
        again.present.iter().collect::<BTreeSet<_>>(),
        paths.iter().collect::<BTreeSet<_>>()
    );
    client.close().unwrap();

    // From Nix: paths Nix made, into a fresh xnix store.
    let nix_top = nix_linked_texts(&nuri, &salt);
    let nix_top = StoreDir::nix().parse(&nix_top).unwrap();
    let store2 = xnix_store(&tmp.path().join("x2"));
    let mut client = nix_server(&nroot);
    let closure = client
        .query_closure(&[nix_top.clone()].into(), false)
        .unwrap();
    assert_eq!(closure.len(), 2);
    let report = copy_from(&store2, &mut client, &[nix_top.clone()].into(), &mut |_| {}).unwrap();
    assert_eq!(report.copied.len(), 2);
    assert_eq!(report.copied.last(), Some(&nix_top), "references first");
    for p in &closure {
        assert_eq!(export(&store2, p), nix_dump(&nuri, &store2.print_path(p)));
        let info = store2.query_path_info(p).unwrap().unwrap();
        assert!(info.ca.as_deref().unwrap().starts_with("text:sha256:"));
    }
    assert!(store2.verify().unwrap().is_clean());

    // A path Nix does not have: an error, and nothing registered.
    let store3 = xnix_store(&tmp.path().join("x3"));
    let scratch = tmp.path().join("other");
    std::fs::create_dir_all(&scratch).unwrap();
    let unknown = xnix_closure(&store, &scratch, &unique_salt());
    let err = copy_from(
        &store3,
        &mut client,
        &[unknown[2].clone()].into(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("not valid there"), "{err}");
    assert!(store3.query_all_valid_paths().unwrap().is_empty());
    client.close().unwrap();
}

/// An xnix server on a thread, talking over pipes.
fn xnix_server(
    store: LocalStore,
    write_allowed: bool,
) -> (
    ServeClient,
    std::thread::JoinHandle<Result<(), RemoteError>>,
) {
    let (c2s_r, c2s_w) = std::io::pipe().unwrap();
    let (s2c_r, s2c_w) = std::io::pipe().unwrap();
    let server = std::thread::spawn(move || {
        serve(
            &store,
            c2s_r,
            s2c_w,
            &ServeOptions {
                write_allowed,
                ..Default::default()
            },
        )
    });
    let client = ServeClient::new(
        Box::new(s2c_r),
        Box::new(c2s_w),
        StoreDir::nix(),
        "xnix serve",
    )
    .unwrap();
    (client, server)
}

#[test]
fn xnix_server_refuses_a_nar_that_does_not_match_and_read_only_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    let src = xnix_store(&tmp.path().join("src"));
    let paths = xnix_closure(&src, tmp.path(), &unique_salt());
    let dst_root = tmp.path().join("dst");

    // A lying description: the NAR hash is another path's.
    let (mut client, server) = xnix_server(xnix_store(&dst_root), true);
    let mut info = src.query_path_info(&paths[0]).unwrap().unwrap();
    info.nar_hash = src.query_path_info(&paths[1]).unwrap().unwrap().nar_hash;
    let err = client
        .add_to_store_nar(&info, |w| src.export_nar(&paths[0], w))
        .unwrap_err();
    assert!(err.to_string().contains("adding"), "{err}");
    drop(client);
    let server_err = server.join().unwrap().unwrap_err();
    assert!(
        server_err.to_string().contains("does not match"),
        "{server_err}"
    );
    let dst = xnix_store(&dst_root);
    assert!(dst.query_all_valid_paths().unwrap().is_empty());
    drop(dst);

    // A path whose reference is missing is refused too.
    let (mut client, server) = xnix_server(xnix_store(&dst_root), true);
    let info = src.query_path_info(&paths[1]).unwrap().unwrap();
    assert!(client
        .add_to_store_nar(&info, |w| src.export_nar(&paths[1], w))
        .is_err());
    drop(client);
    assert!(server.join().unwrap().is_err());

    // The honest copy works, and the server's answers match the source.
    let (mut client, server) = xnix_server(xnix_store(&dst_root), true);
    let top: BTreeSet<StorePath> = [paths[2].clone()].into();
    let report = copy_to(&src, &mut client, &top, &Default::default(), &mut |_| {}).unwrap();
    assert_eq!(report.copied, paths);
    assert_eq!(
        client.query_closure(&top, false).unwrap(),
        paths.iter().cloned().collect()
    );
    drop(client);
    server.join().unwrap().unwrap();
    let dst = xnix_store(&dst_root);
    for p in &paths {
        assert_eq!(export(&dst, p), export(&src, p));
    }
    drop(dst);

    // Without --write, adding is refused.
    let other = xnix_store(&tmp.path().join("ro"));
    let (mut client, server) = xnix_server(other, false);
    assert!(copy_to(&src, &mut client, &top, &Default::default(), &mut |_| {}).is_err());
    drop(client);
    let err = server.join().unwrap().unwrap_err();
    assert!(err.to_string().contains("--write"), "{err}");
}
