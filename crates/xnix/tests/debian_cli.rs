//! `xnix debian lock` and building locked `.deb`s, on a scratch store and a
//! local archive (`XNIX_MIRROR_DEBIAN=file://...`) made of real `.deb`s
//! built by dpkg-deb: the lock, a refresh, `--check`, unpacking through
//! `builtin:unpack-debs`, and the failures (wrong hash, truncated download,
//! corrupt archive, a `.deb` the archive no longer serves) that must leave
//! nothing registered. One test fetches a small real package through the
//! machine's own Debian mirror.
//!
//! The local archive's InRelease is signed with a key made for the test
//! (gpg), trusted through XNIX_DEBIAN_KEYRING; a changed, unsigned or
//! foreign-signed InRelease is refused naming the suite, and the machine's
//! real bookworm InRelease (APT's copy) passes against APT's keyrings.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::Digest;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn pkgs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs")
}

struct Env {
    dir: tempfile::TempDir,
}

/// A GnuPG home with one signing key (ed25519, no passphrase), made for a
/// test; its agent is stopped when it goes.
struct SigningKey {
    home: tempfile::TempDir,
}

impl SigningKey {
    fn new(name: &str) -> SigningKey {
        let key = SigningKey {
            home: tempfile::tempdir().unwrap(),
        };
        key.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            &format!("{name} <{name}@localhost>"),
            "ed25519",
            "sign",
            "never",
        ]);
        key
    }

    fn gpg(&self, args: &[&str]) -> Vec<u8> {
        let o = Command::new("gpg")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--pinentry-mode", "loopback"])
            .args(args)
            .output()
            .expect("running gpg (apt-get install gnupg)");
        assert!(o.status.success(), "gpg {args:?}: {}", text(&o));
        o.stdout
    }

    /// The public key as a binary keyring file in `dir`.
    fn keyring(&self, dir: &Path) -> PathBuf {
        let file = dir.join("test-archive.gpg");
        fs::write(&file, self.gpg(&["--export"])).unwrap();
        file
    }

    /// `text` clear-signed.
    fn clearsign(&self, text: &str) -> String {
        let input = self.home.path().join("Release");
        fs::write(&input, text).unwrap();
        let out = self.gpg(&["--output", "-", "--clearsign", input.to_str().unwrap()]);
        String::from_utf8(out).unwrap()
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(env.archive().join("dists/bookworm/main/binary-amd64")).unwrap();
        fs::create_dir_all(env.archive().join("pool/main")).unwrap();
        fs::create_dir_all(env.locks()).unwrap();
        fs::write(
            env.locks().join("roots.json"),
            r#"{ "suite": "bookworm", "component": "main",
                 "architectures": { "amd64": { "roots": { "tools": ["xtool"] }, "ignore": ["dpkg"] } } }"#,
        )
        .unwrap();
        env
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn archive(&self) -> PathBuf {
        self.path().join("archive")
    }
    fn locks(&self) -> PathBuf {
        self.path().join("locks")
    }
    fn xnix(&self, args: &[&str]) -> Output {
        self.xnix_trusting(args, &self.path().join("test-archive.gpg"))
    }

    /// Runs xnix with `keyring` as the only trusted keys.
    fn xnix_trusting(&self, args: &[&str], keyring: &Path) -> Output {
        Command::new(XNIX)
            .args(args)
            .current_dir(self.path())
            .env("XNIX_DEBIAN_KEYRING", keyring)
            .env("XNIX_STORE_ROOT", self.path().join("root"))
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env(
                "XNIX_MIRROR_DEBIAN",
                format!("file://{}", self.archive().display()),
            )
            .env_remove("XNIX_STATE_DIR")
            .env_remove("NIX_PATH")
            .output()
            .expect("running xnix")
    }

    /// Builds a .deb with dpkg-deb and puts it in the pool; returns its
    /// Packages paragraph.
    fn add_deb(&self, name: &str, version: &str, depends: &str, file: &str) -> String {
        let root = self.path().join(format!("src-{name}-{version}"));
        fs::create_dir_all(root.join("DEBIAN")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        let dep_line = if depends.is_empty() {
            String::new()
        } else {
            format!("Depends: {depends}\n")
        };
        fs::write(
            root.join("DEBIAN/control"),
            format!("Package: {name}\nVersion: {version}\nArchitecture: amd64\nMaintainer: T <t@localhost>\n{dep_line}Description: t\n"),
        )
        .unwrap();
        fs::write(root.join("bin").join(file), format!("{name} {version}\n")).unwrap();
        let rel = format!("pool/main/{name}_{version}_amd64.deb");
        let deb = self.archive().join(&rel);
        let out = Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&root)
            .arg(&deb)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = fs::read(&deb).unwrap();
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: amd64\n{dep_line}Filename: {rel}\nSize: {}\nSHA256: {}\n",
            bytes.len(),
            hex(&sha2::Sha256::digest(&bytes))
        )
    }

    /// Publishes the given paragraphs as the suite's index, its InRelease
    /// signed by `key`, and trusts it.
    fn publish(&self, paragraphs: &[String]) {
        let key = SigningKey::new("archive");
        key.keyring(self.path());
        let release = self.release(paragraphs);
        fs::write(
            self.archive().join("dists/bookworm/InRelease"),
            key.clearsign(&release),
        )
        .unwrap();
    }

    /// Writes the suite's Packages index and returns its (unsigned) Release.
    fn release(&self, paragraphs: &[String]) -> String {
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(paragraphs.join("\n").as_bytes()).unwrap();
        let xz = xz.finish().unwrap();
        let dists = self.archive().join("dists/bookworm");
        fs::write(dists.join("main/binary-amd64/Packages.xz"), &xz).unwrap();
        format!(
            "Codename: bookworm\nDate: now\nArchitectures: amd64\nComponents: main\nSHA256:\n {} {} main/binary-amd64/Packages.xz\n",
            hex(&sha2::Sha256::digest(&xz)),
            xz.len()
        )
    }

    /// Builds the unpacked group `tools` from the lock in `locks/`.
    fn build_tools(&self) -> Output {
        let expr = format!(
            "(import {}/debian {{ lockDir = {}; }}).groups.amd64.tools",
            pkgs_dir().display(),
            self.locks().display()
        );
        self.xnix(&["build", "--no-out-link", "-E", &expr])
    }

    fn store_entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path().join("root/xnix/store"))
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.retain(|n| !n.ends_with(".drv") && !n.starts_with('.'));
        names.sort();
        names
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn lock_refresh_check_and_build() {
    let env = Env::new();
    let lib = env.add_deb("xlib", "1.0-1", "", "xlib-file");
    let tool = env.add_deb("xtool", "2.0-1", "xlib (>= 1.0), dpkg", "xtool");
    let other = env.add_deb("unrelated", "1", "", "u");
    env.publish(&[lib.clone(), tool.clone(), other]);
    let dir = env.locks();
    let o = env.xnix(&["debian", "lock", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let lock: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("bookworm-amd64.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = lock["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["package"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["xlib", "xtool"]);
    assert_eq!(
        lock["packages"][0]["filename"],
        "pool/main/xlib_1.0-1_amd64.deb"
    );
    let o = env.xnix(&["debian", "lock", "--dir", dir.to_str().unwrap(), "--check"]);
    assert!(o.status.success(), "{}", text(&o));

    // Building the group unpacks both .debs, merged-/usr, into one path.
    let o = env.build_tools();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let real = env.path().join("root").join(out.trim_start_matches('/'));
    assert_eq!(
        fs::read_to_string(real.join("usr/bin/xtool")).unwrap(),
        "xtool 2.0-1\n"
    );
    assert!(real.join("bin/xlib-file").is_file(), "bin -> usr/bin");

    // A new version in the archive: --check fails and names it; a refresh writes it.
    let newer = env.add_deb("xlib", "1.1-1", "", "xlib-file");
    env.publish(&[newer, tool]);
    let o = env.xnix(&["debian", "lock", "--dir", dir.to_str().unwrap(), "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("xlib 1.0-1 -> 1.1-1"), "{}", text(&o));
    let o = env.xnix(&["debian", "lock", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(fs::read_to_string(dir.join("bookworm-amd64.json"))
        .unwrap()
        .contains("1.1-1"));
}

/// Writes a lock of one package `xtool` whose entry points at `rel` with
/// the given hash and size.
fn write_lock(env: &Env, rel: &str, sha256: &str, size: u64) {
    let lock = serde_json::json!({
        "suite": "bookworm", "architecture": "amd64", "release_date": "now",
        "roots": { "tools": ["xtool"] }, "closures": { "tools": ["xtool"] },
        "packages": [ { "package": "xtool", "version": "2.0-1", "architecture": "amd64",
                        "filename": rel, "sha256": sha256, "size": size } ]
    });
    fs::write(env.locks().join("bookworm-amd64.json"), lock.to_string()).unwrap();
}

#[test]
fn bad_debs_are_clear_errors_and_register_nothing() {
    let env = Env::new();
    env.add_deb("xtool", "2.0-1", "", "xtool");
    let rel = "pool/main/xtool_2.0-1_amd64.deb";
    let good = fs::read(env.archive().join(rel)).unwrap();
    let good_hash = hex(&sha2::Sha256::digest(&good));

    // Wrong hash in the lock.
    write_lock(&env, rel, &"ab".repeat(32), good.len() as u64);
    let o = env.build_tools();
    assert!(!o.status.success());
    assert!(text(&o).contains("hash mismatch"), "{}", text(&o));
    assert!(env.store_entries().is_empty(), "{:?}", env.store_entries());

    // A truncated file on the mirror.
    fs::write(env.archive().join(rel), &good[..good.len() / 2]).unwrap();
    write_lock(&env, rel, &good_hash, good.len() as u64);
    let o = env.build_tools();
    assert!(!o.status.success());
    assert!(text(&o).contains("hash mismatch"), "{}", text(&o));
    assert!(env.store_entries().is_empty(), "{:?}", env.store_entries());

    // A .deb the archive no longer serves.
    fs::remove_file(env.archive().join(rel)).unwrap();
    let o = env.build_tools();
    assert!(!o.status.success());
    assert!(text(&o).contains("no longer serves"), "{}", text(&o));
    assert!(text(&o).contains("xnix debian lock"), "{}", text(&o));
    assert!(env.store_entries().is_empty(), "{:?}", env.store_entries());

    // A corrupt archive whose hash is the locked one: the download is
    // registered (it is what was locked), the unpacked tree is not.
    let mut corrupt = good.clone();
    let at = corrupt.len() - 100;
    corrupt[at] ^= 0xff;
    fs::write(env.archive().join(rel), &corrupt).unwrap();
    write_lock(
        &env,
        rel,
        &hex(&sha2::Sha256::digest(&corrupt)),
        corrupt.len() as u64,
    );
    let o = env.build_tools();
    assert!(!o.status.success());
    assert!(text(&o).contains("xtool_2.0-1_amd64.deb"), "{}", text(&o));
    assert!(text(&o).contains("damaged"), "{}", text(&o));
    let entries = env.store_entries();
    assert!(entries.iter().all(|n| n.ends_with(".deb")), "{entries:?}");
}

/// One small package of the collection's real lock, through the machine's
/// Debian mirror: fetched by its locked hash and unpacked.
#[test]
fn a_real_locked_deb_builds() {
    let env = Env::new();
    let expr = format!(
        "let d = import {}/debian {{}}; in d.unpackDebs {{ name = \"base\"; debs = [ d.debs.amd64.\"gcc-12-base\" ]; }}",
        pkgs_dir().display()
    );
    let o = Command::new(XNIX)
        .args(["build", "--no-out-link", "-E", &expr])
        .current_dir(env.path())
        .env("XNIX_STORE_ROOT", env.path().join("root"))
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env_remove("XNIX_MIRROR_DEBIAN")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let real = env.path().join("root").join(out.trim_start_matches('/'));
    assert!(real.join("usr/share/doc/gcc-12-base/copyright").is_file());
}

/// `xnix debian lock` reads a suite only through an InRelease signed by a
/// trusted key: a changed, an unsigned and a foreign-signed one are refused
/// with errors naming the suite and what to do, and no lock is written; the
/// machine's own bookworm InRelease (APT's copy) passes against APT's keys.
#[test]
fn in_release_signatures_are_checked() {
    let env = Env::new();
    let tool = env.add_deb("xtool", "2.0-1", "", "xtool");
    env.publish(std::slice::from_ref(&tool));
    let dir = env.locks();
    let lock_file = dir.join("bookworm-amd64.json");
    let in_release = env.archive().join("dists/bookworm/InRelease");
    let lock = |env: &Env| env.xnix(&["debian", "lock", "--dir", dir.to_str().unwrap()]);
    // Signed as published: accepted.
    let o = lock(&env);
    assert!(o.status.success(), "{}", text(&o));
    fs::remove_file(&lock_file).unwrap();
    let signed = fs::read_to_string(&in_release).unwrap();

    // One hash digit of the signed text changed: a bad signature.
    let at = signed.find("SHA256:\n ").unwrap() + 9;
    let digit = if &signed[at..at + 1] == "0" { "1" } else { "0" };
    let tampered = format!("{}{digit}{}", &signed[..at], &signed[at + 1..]);
    fs::write(&in_release, &tampered).unwrap();
    let o = lock(&env);
    let err = text(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("dists/bookworm/InRelease") && err.contains("BAD signature"),
        "{err}"
    );
    assert!(!lock_file.exists());

    // Unsigned (the Release text alone): refused.
    let release = env.release(std::slice::from_ref(&tool));
    fs::write(&in_release, &release).unwrap();
    let o = lock(&env);
    let err = text(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("dists/bookworm/InRelease") && err.contains("not signed"),
        "{err}"
    );

    // Signed by a key that is not trusted: refused, naming the keyring.
    let stranger = SigningKey::new("stranger");
    fs::write(&in_release, stranger.clearsign(&release)).unwrap();
    let o = lock(&env);
    let err = text(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("not signed by a trusted key") && err.contains("test-archive.gpg"),
        "{err}"
    );
    assert!(!lock_file.exists());

    // The real InRelease APT downloaded for this machine, against APT's
    // own keyrings: its signature passes (the Packages index of this local
    // archive is not the one it vouches for, so the refresh then stops there).
    let real = fs::read_dir("/var/lib/apt/lists")
        .expect("APT's lists (apt-get update)")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("_dists_bookworm_InRelease"))
        })
        .expect("APT's bookworm InRelease (apt-get update)");
    fs::copy(&real, &in_release).unwrap();
    let o = env.xnix_trusting(
        &["debian", "lock", "--dir", dir.to_str().unwrap()],
        Path::new(""),
    );
    let err = text(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        !err.contains("signature") && !err.contains("signed"),
        "{err}"
    );
    assert!(
        err.contains("binary-amd64/Packages.xz does not match dists/bookworm/InRelease"),
        "{err}"
    );
    // Changed, it does not pass the same keyrings.
    let real = fs::read_to_string(&real).unwrap();
    let at = real.find("SHA256:\n ").unwrap() + 9;
    let digit = if &real[at..at + 1] == "0" { "1" } else { "0" };
    fs::write(
        &in_release,
        format!("{}{digit}{}", &real[..at], &real[at + 1..]),
    )
    .unwrap();
    let o = env.xnix_trusting(
        &["debian", "lock", "--dir", dir.to_str().unwrap()],
        Path::new(""),
    );
    let err = text(&o);
    assert!(err.contains("BAD signature"), "{err}");
}
