//! Emulated builds: a raw derivation for aarch64-linux, whose builder is
//! Debian's arm64 bash from the lock, builds on this x86_64 machine under
//! the static qemu registered in the sandbox's own binfmt_misc instance;
//! the machine's global binfmt_misc holds the same entries before and
//! after; a system nothing here can run fails before anything is built,
//! naming the system, what was tried and what to do; GNU hello of
//! `localSystem = "aarch64-linux"` with the pure stdenv builds here as a
//! native aarch64 build (configure runs its test programs, emulated) and
//! runs.
//!
//! The arm64 `.deb` files come through the cache of pure_build.rs
//! (XNIX_TEST_DEB_CACHE, default /var/cache/xnix-test/debian) or the
//! machine's Debian mirror.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn pkgs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs")
}

fn mirrors() -> String {
    let cache = std::env::var_os("XNIX_TEST_DEB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/xnix-test/debian"));
    let real = xnix_debian::apt::debian_mirror_from_apt(Path::new("/"))
        .unwrap()
        .expect("this machine's APT sources name a Debian archive");
    format!("file://{} {real}", cache.display())
}

/// The machine's global binfmt_misc: its mounts and every entry with its
/// contents (empty when it is not mounted).
fn global_binfmt() -> (usize, Vec<String>) {
    let mounts = fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains("binfmt_misc"))
        .count();
    (mounts, xnix_build::binfmt::global_registrations().unwrap())
}

/// A scratch store under the test target directory, removed afterwards
/// (store directories are read-only, which `TempDir` alone cannot remove).
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Scratch {
        Scratch(tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        make_writable(&entry.path());
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        make_writable(self.0.path());
    }
}

fn xnix(store: &Path, args: &[&str]) -> Output {
    Command::new(XNIX)
        .args(args)
        .env("XNIX_STORE_ROOT", store)
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env("XNIX_MIRROR_DEBIAN", mirrors())
        .env_remove("XNIX_STATE_DIR")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_raw_aarch64_derivation_builds_under_its_own_binfmt() {
    let store = Scratch::new();
    let before = global_binfmt();
    let expr = format!(
        r#"
        let
          debian = import {pkgs}/debian {{ }};
          root = debian.unpackDebs {{
            name = "arm64-shell";
            debs = map (n: debian.debs.arm64.${{n}}) [ "bash" "coreutils" "libc6" "libtinfo6"
              "libacl1" "libattr1" "libgmp10" "libselinux1" "libpcre2-8-0" "libgcc-s1" ];
          }};
        in derivation {{
          name = "emulated-shell";
          system = "aarch64-linux";
          builder = "/bin/bash";
          __xnixRoot = root;
          args = [ "-c" ''
            export PATH=/usr/bin
            {{
              echo "hosttype $HOSTTYPE"
              echo "uname $(uname -m)"
              echo "uid $(id -u)"
              cat /proc/sys/fs/binfmt_misc/xnix-qemu-aarch64
            }} > $out
          '' ];
        }}
        "#,
        pkgs = pkgs().display()
    );
    let o = xnix(store.path(), &["build", "--no-out-link", "-E", &expr]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let result = fs::read_to_string(store.path().join(out.trim().trim_start_matches('/'))).unwrap();
    // The shell is the arm64 one, running under qemu as the sandbox user.
    assert!(result.contains("hosttype aarch64\n"), "{result}");
    assert!(result.contains("uname aarch64\n"), "{result}");
    assert!(result.contains("uid 1000\n"), "{result}");
    assert!(result.contains("enabled\n"), "{result}");
    assert!(
        result.contains("interpreter /usr/bin/qemu-aarch64-static\n"),
        "{result}"
    );
    assert!(result.contains("flags: PF\n"), "{result}");
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}

#[test]
fn a_system_nothing_here_runs_fails_before_building() {
    let store = Scratch::new();
    let before = global_binfmt();
    // A dependency that could build here is not built either.
    let expr = r#"
        let dep = derivation { name = "here"; system = builtins.currentSystem;
              builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; };
        in derivation { name = "elsewhere"; system = "x86_64-darwin"; builder = "/bin/sh";
             args = [ "-c" "cat ${dep} > $out" ]; }"#;
    let o = xnix(store.path(), &["build", "--no-out-link", "-E", expr]);
    assert!(!o.status.success());
    let err = text(&o);
    assert!(err.contains("'x86_64-darwin'"), "{err}");
    assert!(err.contains("tried"), "{err}");
    assert!(err.contains("--builders"), "{err}");
    let built: Vec<_> = fs::read_dir(store.path().join("xnix/store"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-here"))
        .collect();
    assert!(built.is_empty(), "the dependency was built: {built:?}");
    let log_dir = store.path().join("xnix/var/xnix/log");
    assert!(
        fs::read_dir(&log_dir).map_or(true, |d| d.count() == 0),
        "a build log was started"
    );
    assert_eq!(global_binfmt(), before);
}

#[test]
fn pure_hello_with_local_system_aarch64_builds_emulated_and_runs() {
    let store = Scratch::new();
    let before = global_binfmt();
    let expr = format!(
        r#"(import {} {{ localSystem = "aarch64-linux"; config.xnixPure = true; }}).hello"#,
        pkgs().display()
    );
    let o = xnix(store.path(), &["build", "--no-out-link", "-E", &expr]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let out = out.trim();
    let real = |logical: &str| store.path().join(logical.trim_start_matches('/'));
    let program = real(&format!("{out}/bin/hello"));
    let binary = xnix_platform::binary::inspect(&program).unwrap().unwrap();
    assert_eq!(
        binary.system.as_deref(),
        Some("aarch64-linux"),
        "{binary:?}"
    );

    // A native build: configure ran what it compiled (under the sandbox's
    // qemu) instead of assuming a cross compilation.
    let drv = String::from_utf8(
        xnix(store.path(), &["path-info", "--json", out])
            .stdout
            .clone(),
    )
    .unwrap();
    let deriver = serde_json::from_str::<serde_json::Value>(&drv).unwrap()[0]["deriver"]
        .as_str()
        .unwrap()
        .to_string();
    let log_name = Path::new(&deriver).file_name().unwrap().to_owned();
    let log = fs::read_to_string(store.path().join("xnix/var/xnix/log").join(log_name)).unwrap();
    assert!(
        log.contains("checking whether we are cross compiling... no"),
        "{log}"
    );

    // It runs, its C library found in the store (through qemu's prefix).
    let run = Command::new("qemu-aarch64-static")
        .arg("-L")
        .arg(store.path())
        .arg(&program)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello, world!\n");
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}
