//! Source and fixed-output paths compared with `nix-store --add` and
//! `nix-store --add-fixed [--recursive] ALGO`, and `./file` in an expression.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use xnix_formats::hash::{Hash, HashAlgo};
use xnix_formats::path::{ContentAddressMethod, FixedOutputHash, StoreDir};
use xnix_fs::nar;
use xnix_test_support::{nix, store_uri, Rng};

#[test]
fn add_and_add_fixed_match_nix_store() {
    let root = tempfile::tempdir().unwrap();
    let uri = store_uri(root.path());
    let work = tempfile::tempdir().unwrap();
    let mut rng = Rng(11);
    let file = work.path().join("hello.txt");
    fs::write(&file, rng.bytes(1000)).unwrap();
    let dir = work.path().join("src-tree");
    fs::create_dir_all(dir.join("sub/empty")).unwrap();
    fs::write(dir.join("sub/x"), b"x").unwrap();
    fs::write(dir.join("run"), b"#!/bin/sh").unwrap();
    fs::set_permissions(dir.join("run"), fs::Permissions::from_mode(0o755)).unwrap();
    symlink("run", dir.join("link")).unwrap();
    let sd = StoreDir::nix();
    let none = BTreeSet::new();

    for p in [&file, &dir] {
        let name = p.file_name().unwrap().to_str().unwrap();
        let (nar_hash, _) = nar::nar_hash(p).unwrap();
        let ours = sd.print(&sd.make_source_path(name, &nar_hash, &none).unwrap());
        let theirs = nix(
            "nix-store",
            &["--store", &uri, "--add", p.to_str().unwrap()],
        );
        assert_eq!(theirs.trim(), ours, "--add {name}");

        for algo in HashAlgo::ALL {
            let (h, _) = nar::nar_hash_with(p, algo).unwrap();
            let fixed = FixedOutputHash {
                method: ContentAddressMethod::Recursive,
                hash: h,
            };
            let ours = sd.print(
                &sd.make_fixed_output_path(name, &fixed, &none, false)
                    .unwrap(),
            );
            let theirs = nix(
                "nix-store",
                &[
                    "--store",
                    &uri,
                    "--add-fixed",
                    "--recursive",
                    algo.name(),
                    p.to_str().unwrap(),
                ],
            );
            assert_eq!(theirs.trim(), ours, "--add-fixed --recursive {algo} {name}");
        }
    }
    for algo in HashAlgo::ALL {
        let h = Hash::digest_reader(algo, fs::File::open(&file).unwrap()).unwrap();
        let fixed = FixedOutputHash {
            method: ContentAddressMethod::Flat,
            hash: h,
        };
        let ours = sd.print(
            &sd.make_fixed_output_path("hello.txt", &fixed, &none, false)
                .unwrap(),
        );
        let theirs = nix(
            "nix-store",
            &[
                "--store",
                &uri,
                "--add-fixed",
                algo.name(),
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(theirs.trim(), ours, "--add-fixed {algo}");
    }
}

#[test]
fn path_literal_in_expression_is_a_source_path() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    fs::create_dir(work.path().join("d")).unwrap();
    fs::write(work.path().join("d/f"), b"content\n").unwrap();
    fs::write(work.path().join("g.txt"), b"g\n").unwrap();
    let out = nix(
        "nix-instantiate",
        &[
            "--store",
            &store_uri(root.path()),
            "--eval",
            "--strict",
            "-E",
            &format!(
                "[ \"${{{0}/d}}\" \"${{{0}/g.txt}}\" ]",
                work.path().display()
            ),
        ],
    );
    let sd = StoreDir::nix();
    let got: Vec<&str> = out
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split_whitespace()
        .collect();
    for (i, name) in ["d", "g.txt"].iter().enumerate() {
        let (h, _) = nar::nar_hash(&work.path().join(name)).unwrap();
        let ours = sd.print(&sd.make_source_path(name, &h, &BTreeSet::new()).unwrap());
        assert_eq!(got[i].trim_matches('"'), ours);
    }
}

#[test]
fn other_store_dirs_change_paths() {
    // The same text in /nix/store and /xnix/store: paths differ, and Nix
    // computes the same for a custom store dir.
    let root = tempfile::tempdir().unwrap();
    let uri = format!("local?root={}&store=/xnix/store", root.path().display());
    let out = nix(
        "nix-instantiate",
        &[
            "--store",
            &uri,
            "--eval",
            "-E",
            "builtins.toFile \"t\" \"text\"",
        ],
    );
    let sd = StoreDir::new("/xnix/store").unwrap();
    assert_eq!(
        out.trim().trim_matches('"'),
        sd.print(&sd.text_path("t", b"text", &BTreeSet::new()).unwrap())
    );
}

#[test]
fn filtered_sources_match_builtins_path() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let d = work.path().join("d");
    fs::create_dir_all(d.join("keep/skip")).unwrap();
    fs::create_dir_all(d.join("skip")).unwrap();
    fs::write(d.join("keep/f"), b"f").unwrap();
    fs::write(d.join("keep/skip/g"), b"g").unwrap();
    fs::write(d.join("top"), b"top").unwrap();
    symlink("top", d.join("link")).unwrap();
    let expr = format!(
        "builtins.path {{ path = {}; name = \"filtered\"; filter = p: t: t != \"symlink\" && baseNameOf p != \"skip\"; }}",
        d.display()
    );
    let theirs = nix(
        "nix-instantiate",
        &["--store", &store_uri(root.path()), "--eval", "-E", &expr],
    );
    let mut filter = |p: &std::path::Path, k: xnix_fs::FileKind| {
        k != xnix_fs::FileKind::Symlink && p.file_name().unwrap() != "skip"
    };
    let mut h = xnix_formats::hash::HashingWriter::new(HashAlgo::Sha256);
    nar::dump_path_filtered(&d, &mut h, &mut filter).unwrap();
    let (hash, _) = h.finish();
    let sd = StoreDir::nix();
    let ours = sd.print(
        &sd.make_source_path("filtered", &hash, &BTreeSet::new())
            .unwrap(),
    );
    assert_eq!(theirs.trim().trim_matches('"'), ours);
    // The local store's filtered add lands at the same path with the same NAR.
    let ours_root = tempfile::tempdir().unwrap();
    let store = xnix_store::LocalStore::open(xnix_store::LocalStoreConfig::with_root(
        sd.clone(),
        ours_root.path(),
    ))
    .unwrap();
    let (p, _) = store
        .add_to_store_filtered(
            "filtered",
            &d,
            ContentAddressMethod::Recursive,
            HashAlgo::Sha256,
            &mut filter,
        )
        .unwrap();
    assert_eq!(store.print_path(&p), ours);
    assert_eq!(store.query_path_info(&p).unwrap().unwrap().nar_hash, hash);
}
