//! NAR bytes and NAR hashes compared with `nix-store --dump` and `nix-hash`.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use xnix_formats::hash::HashAlgo;
use xnix_fs::nar;
use xnix_test_support::{nix, nix_bytes, Rng};

/// A varied tree: files (empty, small, odd sizes), executables, symlinks
/// (relative, absolute, dangling), empty and nested directories, unicode and
/// byte-order-sensitive names.
fn make_tree(root: &Path, rng: &mut Rng, depth: u32) {
    fs::create_dir_all(root).unwrap();
    let names = [
        "a",
        "B",
        "b",
        "ä",
        "日本",
        "Z.txt",
        "-dash",
        "a.b",
        "aa",
        "a-",
        "✓ space",
    ];
    let n = 2 + rng.below(6);
    for i in 0..n {
        let name = format!("{}{}", names[rng.below(names.len() as u64) as usize], i);
        let p = root.join(&name);
        match rng.below(if depth < 3 { 5 } else { 3 }) {
            0 | 1 => {
                let size = [0, 1, 7, 8, 9, 100, 4097][rng.below(7) as usize];
                fs::write(&p, rng.bytes(size)).unwrap();
                if rng.below(3) == 0 {
                    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
                }
            }
            2 => {
                let target =
                    ["../x", "/etc/passwd", "dangling", "a0", "日本"][rng.below(5) as usize];
                symlink(target, &p).unwrap();
            }
            3 => fs::create_dir(&p).unwrap(), // empty directory
            _ => make_tree(&p, rng, depth + 1),
        }
    }
}

#[test]
fn dump_matches_nix_store_dump() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(7);
    for i in 0..6 {
        let root = tmp.path().join(format!("tree{i}"));
        make_tree(&root, &mut rng, 0);
        let theirs = nix_bytes("nix-store", &["--dump", root.to_str().unwrap()]);
        let mut ours = Vec::new();
        nar::dump_path(&root, &mut ours).unwrap();
        assert!(
            ours == theirs,
            "tree{i}: NAR differs ({} vs {} bytes)",
            ours.len(),
            theirs.len()
        );

        // NAR hash as nix-hash prints it, base32 and base16.
        let (h, size) = nar::nar_hash(&root).unwrap();
        assert_eq!(size, theirs.len() as u64);
        let b32 = nix(
            "nix-hash",
            &["--type", "sha256", "--base32", root.to_str().unwrap()],
        );
        assert_eq!(b32.trim(), h.to_base32());
        let (h1, _) = nar::nar_hash_with(&root, HashAlgo::Sha1).unwrap();
        let b16 = nix("nix-hash", &["--type", "sha1", root.to_str().unwrap()]);
        assert_eq!(b16.trim(), h1.to_base16());

        // Restore Nix's NAR and dump it again: same bytes.
        let restored = tmp.path().join(format!("restored{i}"));
        nar::restore(&theirs[..], &restored).unwrap();
        let mut again = Vec::new();
        nar::dump_path(&restored, &mut again).unwrap();
        assert!(again == theirs, "tree{i}: restore round trip differs");
        // And Nix agrees about what we restored.
        assert_eq!(
            nix_bytes("nix-store", &["--dump", restored.to_str().unwrap()]),
            theirs
        );
    }
}

#[test]
fn single_files_symlink_and_large_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(99);
    let big = tmp.path().join("big");
    fs::write(&big, rng.bytes(5 * 1024 * 1024 + 3)).unwrap();
    let exe = tmp.path().join("exe");
    fs::write(&exe, b"#!/bin/sh\n").unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o700)).unwrap();
    let link = tmp.path().join("link");
    symlink("big", &link).unwrap();
    let empty_dir = tmp.path().join("emptydir");
    fs::create_dir(&empty_dir).unwrap();
    for p in [&big, &exe, &link, &empty_dir] {
        let theirs = nix_bytes("nix-store", &["--dump", p.to_str().unwrap()]);
        let mut ours = Vec::new();
        nar::dump_path(p, &mut ours).unwrap();
        assert!(ours == theirs, "{} differs", p.display());
        let b32 = nix(
            "nix-hash",
            &["--type", "sha256", "--base32", p.to_str().unwrap()],
        );
        assert_eq!(b32.trim(), nar::nar_hash(p).unwrap().0.to_base32());
        let out = tmp
            .path()
            .join(format!("r-{}", p.file_name().unwrap().to_str().unwrap()));
        nar::restore(&ours[..], &out).unwrap();
        let mut again = Vec::new();
        nar::dump_path(&out, &mut again).unwrap();
        assert!(again == ours);
    }
}

#[test]
fn restore_rejects_truncated_and_refuses_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(3);
    let root = tmp.path().join("t");
    make_tree(&root, &mut rng, 0);
    let mut nar_bytes = Vec::new();
    nar::dump_path(&root, &mut nar_bytes).unwrap();
    for cut in [8, 24, nar_bytes.len() / 2, nar_bytes.len() - 8] {
        let err =
            nar::restore(&nar_bytes[..cut], &tmp.path().join(format!("cut{cut}"))).unwrap_err();
        assert!(err.to_string().contains("malformed NAR"), "{err}");
    }
    let err = nar::restore(&nar_bytes[..], &root).unwrap_err();
    assert!(matches!(err, nar::NarFsError::DestinationExists(_)));
    // Nix refuses what we refuse: a corrupted token.
    let mut bad = nar_bytes.clone();
    bad[20] = b'X';
    assert!(nar::restore(&bad[..], &tmp.path().join("bad")).is_err());
}
