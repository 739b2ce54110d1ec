//! The readers on real data: this machine's APT lists and `.deb` files
//! made by dpkg-deb or downloaded by APT, compared with dpkg's own view.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xnix_debian::compress::decompress_named;
use xnix_debian::deb::{read_control, unpack, Layout};
use xnix_debian::index::{parse_packages, Release};
use xnix_debian::{apt, DebError};

fn lists() -> PathBuf {
    PathBuf::from("/var/lib/apt/lists")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn machine_packages_index_agrees_with_apt_cache() {
    let files = apt::apt_list_files(&lists(), "bookworm", "main", "amd64");
    assert!(
        !files.is_empty(),
        "no bookworm amd64 list in /var/lib/apt/lists; run apt-get update"
    );
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    let text = decompress_named(&name, &fs::read(&files[0]).unwrap()).unwrap();
    let packages = parse_packages(std::str::from_utf8(&text).unwrap(), &name).unwrap();
    assert!(packages.len() > 50_000, "only {} packages", packages.len());
    // APT's own view of one package that has a single version in bookworm.
    let ours = packages
        .iter()
        .find(|p| p.name == "hello")
        .expect("hello in the index");
    let shown = run(Command::new("apt-cache").args(["show", &format!("hello={}", ours.version)]));
    assert!(
        shown.contains(&format!("SHA256: {}", ours.sha256)),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("Filename: {}", ours.filename)),
        "{shown}"
    );
    assert!(shown.contains(&format!("Size: {}", ours.size)), "{shown}");
}

#[test]
fn machine_release_lists_the_indexes() {
    let path = fs::read_dir(lists())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("_dists_bookworm_InRelease"))
        .expect("bookworm InRelease");
    let release = Release::parse(&fs::read_to_string(&path).unwrap(), "InRelease").unwrap();
    assert_eq!(release.codename, "bookworm");
    for arch in ["amd64", "arm64", "armhf"] {
        assert!(release.architectures.iter().any(|a| a == arch), "{arch}");
        let (hash, size) = &release.sha256[&format!("main/binary-{arch}/Packages.xz")];
        assert_eq!(hash.len(), 64);
        assert!(*size > 1_000_000);
    }
}

/// Builds a small package with dpkg-deb in the given compression.
fn make_deb(dir: &Path, compression: &str) -> PathBuf {
    let root = dir.join(format!("pkg-{compression}"));
    fs::create_dir_all(root.join("DEBIAN")).unwrap();
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    fs::create_dir_all(root.join("lib/x86_64-linux-gnu")).unwrap();
    fs::write(
        root.join("DEBIAN/control"),
        format!("Package: xnix-test-{compression}\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: T <t@localhost>\nDescription: test\n long\n"),
    )
    .unwrap();
    fs::write(root.join("usr/bin/tool"), "#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(
        root.join("usr/bin/tool"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    fs::write(
        root.join("lib/x86_64-linux-gnu/libx.so.1"),
        vec![7u8; 100_000],
    )
    .unwrap();
    std::os::unix::fs::symlink("libx.so.1", root.join("lib/x86_64-linux-gnu/libx.so")).unwrap();
    let deb = dir.join(format!("t-{compression}.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", &format!("-Z{compression}"), "--build"])
        .arg(&root)
        .arg(&deb));
    deb
}

/// Every path below `dir` with its kind, mode and contents (or link target).
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let m = fs::symlink_metadata(&p).unwrap();
            use std::os::unix::fs::PermissionsExt;
            if m.file_type().is_symlink() {
                out.push(format!("{rel} -> {}", fs::read_link(&p).unwrap().display()));
            } else if m.is_dir() {
                out.push(format!("{rel}/"));
                walk(base, &p, out);
            } else {
                let bytes = fs::read(&p).unwrap();
                out.push(format!(
                    "{rel} {:o} {} {}",
                    m.permissions().mode() & 0o777,
                    bytes.len(),
                    bytes.iter().map(|b| *b as u64).sum::<u64>()
                ));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

#[test]
fn debs_of_every_compression_unpack_as_dpkg_does() {
    let tmp = tempfile::tempdir().unwrap();
    for compression in ["gzip", "xz", "zstd", "none"] {
        let deb = make_deb(tmp.path(), compression);
        let control = read_control(&deb).unwrap();
        assert_eq!(
            control.get("Package"),
            Some(format!("xnix-test-{compression}").as_str())
        );
        assert_eq!(control.get("Description"), Some("test\nlong"));
        let ours = tmp.path().join(format!("ours-{compression}"));
        let stats = unpack(&deb, &ours, Layout::AsIs).unwrap();
        assert_eq!((stats.files, stats.symlinks), (2, 1));
        let theirs = tmp.path().join(format!("dpkg-{compression}"));
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&theirs));
        // dpkg-deb -x keeps the top directory's mode from the archive.
        assert_eq!(tree(&ours), tree(&theirs), "{compression}");
        let merged = tmp.path().join(format!("merged-{compression}"));
        unpack(&deb, &merged, Layout::MergedUsr).unwrap();
        assert!(merged.join("usr/lib/x86_64-linux-gnu/libx.so.1").is_file());
        assert!(!merged.join("lib").exists());
    }
}

#[test]
fn damaged_debs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let deb = make_deb(tmp.path(), "xz");
    let bytes = fs::read(&deb).unwrap();
    // Truncated in the middle of data.tar.xz.
    let cut = tmp.path().join("cut.deb");
    fs::write(&cut, &bytes[..bytes.len() - 200]).unwrap();
    let err = unpack(&cut, &tmp.path().join("o1"), Layout::AsIs).unwrap_err();
    assert!(
        matches!(err, DebError::NotDeb { .. } | DebError::Corrupt { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("cut.deb"), "{err}");
    // A flipped byte inside the compressed data.
    let mut flipped = bytes.clone();
    let at = bytes.len() - 300;
    flipped[at] ^= 0xff;
    let bad = tmp.path().join("bad.deb");
    fs::write(&bad, &flipped).unwrap();
    let err = unpack(&bad, &tmp.path().join("o2"), Layout::AsIs).unwrap_err();
    assert!(matches!(err, DebError::Corrupt { .. }), "{err}");
    // Not an ar archive at all.
    let text = tmp.path().join("text.deb");
    fs::write(&text, "hello\n").unwrap();
    let err = read_control(&text).unwrap_err();
    assert!(matches!(err, DebError::NotDeb { .. }), "{err}");
}

#[test]
fn unpacking_refuses_to_leave_the_destination() {
    let tmp = tempfile::tempdir().unwrap();
    // A data.tar whose symlink points out and whose next file goes through it.
    let mut data = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    data.append_link(&mut h, "./usr/evil", tmp.path()).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o644);
    data.append_data(&mut h, "./usr/evil/planted", &b"x\n"[..])
        .unwrap();
    let data = data.into_inner().unwrap();
    let mut control = tar::Builder::new(Vec::new());
    let text = b"Package: evil\nVersion: 1\nArchitecture: all\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(text.len() as u64);
    h.set_mode(0o644);
    control.append_data(&mut h, "./control", &text[..]).unwrap();
    let control = control.into_inner().unwrap();
    let deb = tmp.path().join("evil.deb");
    let mut ar = ar::Builder::new(fs::File::create(&deb).unwrap());
    for (name, bytes) in [
        ("debian-binary", &b"2.0\n"[..]),
        ("control.tar", &control),
        ("data.tar", &data),
    ] {
        ar.append(
            &ar::Header::new(name.as_bytes().to_vec(), bytes.len() as u64),
            bytes,
        )
        .unwrap();
    }
    drop(ar);
    let err = unpack(&deb, &tmp.path().join("out"), Layout::AsIs).unwrap_err();
    assert!(matches!(err, DebError::UnsafeEntry { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!tmp.path().join("planted").exists());
}
