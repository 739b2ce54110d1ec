//! Pure builds over locked Debian packages (pkgs/debian/pure.nix): a
//! sandbox whose /usr, /bin and /lib* are a tree of locked `.deb`s shows
//! nothing of the build machine (a planted host file stays invisible, a
//! host program that is not an input cannot run); hello built for x86_64
//! and, with Debian's cross compiler, for aarch64 runs from its closure
//! alone copied into an empty root (natively, and under qemu with that
//! root as its only file system); a second fresh store gives the same NAR
//! hashes. The collection's GNU hello builds through the pure stdenv
//! (`config.xnixPure = true`) and runs from its closure alone too.
//!
//! The `.deb` files (about 280 MiB) are fetched once per machine into the
//! tests' shared cache (xnix_test_support::deb_cache).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xnix_test_support::deb_cache;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn pkgs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs")
}

struct Store {
    root: tempfile::TempDir,
}

impl Store {
    fn new() -> Store {
        Store {
            root: tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap(),
        }
    }

    fn xnix(&self, args: &[&str]) -> Output {
        Command::new(XNIX)
            .args(args)
            .env("XNIX_STORE_ROOT", self.root.path())
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env("XNIX_MIRROR_DEBIAN", deb_cache::prepare(Path::new(XNIX)))
            .env_remove("XNIX_STATE_DIR")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.xnix(args);
        assert!(
            o.status.success(),
            "xnix {args:?}:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    fn build(&self, expr: &str) -> String {
        self.ok(&["build", "--no-out-link", "-E", expr])
            .trim()
            .to_string()
    }

    fn real(&self, logical: &str) -> PathBuf {
        self.root.path().join(logical.trim_start_matches('/'))
    }

    fn closure(&self, path: &str) -> Vec<String> {
        self.ok(&["path-info", "-r", path])
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn nar_hashes(&self, paths: &[&str]) -> Vec<(String, String)> {
        let mut args = vec!["path-info", "--json"];
        args.extend(paths);
        let v: serde_json::Value = serde_json::from_str(&self.ok(&args)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| (p["path"].to_string(), p["narHash"].to_string()))
            .collect()
    }
}

fn pure(expr: &str) -> String {
    format!(
        "let pure = import {}/debian/pure.nix {{}}; in {expr}",
        pkgs().display()
    )
}

/// Copies the closure of `path` from `store` into a new, otherwise empty root.
fn empty_root_with(store: &Store, path: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    fs::create_dir_all(root.path().join("xnix/store")).unwrap();
    for p in store.closure(path) {
        let st = Command::new("cp")
            .arg("-a")
            .arg(store.real(&p))
            .arg(root.path().join("xnix/store"))
            .status()
            .unwrap();
        assert!(st.success());
    }
    root
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn pure_builds_see_only_inputs_and_closures_run_alone() {
    let a = Store::new();

    // 1. A file planted on the build machine is invisible; a host program
    //    that is not an input cannot run. The same probe with the host's
    //    /usr shared sees it (so the probe can tell).
    let planted = format!("/usr/share/xnix-planted-{}", std::process::id());
    fs::write(&planted, "host file\n").unwrap();
    let probe = |extra: &str| {
        pure(&format!(
            "derivation {{ name = \"probe\"; system = \"x86_64-linux\"; builder = \"/bin/busybox\"; {extra} \
             args = [ \"sh\" \"-c\" \"(test -e {planted} && echo seen || echo unseen; /usr/bin/qemu-aarch64 --version >/dev/null 2>&1 && echo host-program-ran || echo no-host-program) > $out\" ]; }}"
        ))
    };
    let seen_pure = a.build(&probe("__xnixRoot = pure.root {};"));
    let seen_impure = a.build(&probe(
        "__impureHostDeps = [ \"/usr\" \"/lib\" \"/lib64\" ];",
    ));
    let _ = fs::remove_file(&planted);
    assert_eq!(
        fs::read_to_string(a.real(&seen_pure)).unwrap(),
        "unseen\nno-host-program\n"
    );
    assert_eq!(
        fs::read_to_string(a.real(&seen_impure)).unwrap(),
        "seen\nhost-program-ran\n"
    );

    // 2. hello for x86_64 and aarch64; the closure carries the C library.
    let native = a.build(&pure("pure.hello { target = \"x86_64\"; }"));
    let arm = a.build(&pure("pure.hello { target = \"aarch64\"; }"));
    let native_closure = a.closure(&native);
    assert!(
        native_closure
            .iter()
            .any(|p| p.ends_with("-debian-bookworm-amd64-libc")),
        "{native_closure:?}"
    );
    let arm_closure = a.closure(&arm);
    assert!(
        arm_closure
            .iter()
            .any(|p| p.ends_with("-debian-bookworm-arm64-libc")),
        "{arm_closure:?}"
    );
    assert_eq!(
        arm_closure.len(),
        2,
        "only hello and its C library: {arm_closure:?}"
    );

    // The collection's GNU hello through the pure stdenv (configure, make),
    // in the same root as the native C hello.
    let gnu = a.build(&format!(
        "(import {} {{ config.xnixPure = true; }}).hello",
        pkgs().display()
    ));
    let gnu_closure = a.closure(&gnu);
    assert!(
        gnu_closure
            .iter()
            .any(|p| p.ends_with("-debian-bookworm-amd64-libc")),
        "{gnu_closure:?}"
    );
    let root = empty_root_with(&a, &gnu);
    let out = run(Command::new("unshare")
        .args(["--user", "--map-root-user", "chroot"])
        .arg(root.path())
        .arg(format!("{gnu}/bin/hello")));
    assert_eq!(out, "Hello, world!\n");

    // Copied alone into an empty root, each runs there.
    let root = empty_root_with(&a, &native);
    let out = run(Command::new("unshare")
        .args(["--user", "--map-root-user", "chroot"])
        .arg(root.path())
        .arg(format!("{native}/bin/hello")));
    assert_eq!(out, "Hello, world!\n");
    let root = empty_root_with(&a, &arm);
    let out = run(Command::new("qemu-aarch64").arg("-L").arg(root.path()).arg(
        root.path()
            .join(arm.trim_start_matches('/'))
            .join("bin/hello"),
    ));
    assert_eq!(out, "Hello, world!\n");
    let elf = fs::read(a.real(&arm).join("bin/hello")).unwrap();
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 183, "EM_AARCH64");

    // 3. A second fresh store gives bit-identical outputs (the cross build
    //    only: the native root would double the test's time).
    let b = Store::new();
    let arm_b = b.build(&pure("pure.hello { target = \"aarch64\"; }"));
    assert_eq!(arm_b, arm);
    let libc = arm_closure.iter().find(|p| **p != arm).unwrap();
    assert_eq!(b.nar_hashes(&[&arm_b, libc]), a.nar_hashes(&[&arm, libc]));
}

/// Every Linux target of the pure environment besides x86_64 and aarch64:
/// Debian's cross gcc from the lock links hello against the target's C
/// library in the store, whose loader is the program's interpreter and
/// whose directory is its run path. `xnix path-info -r` lists that C
/// library; the closure copied alone into an empty root runs under qemu
/// with that root as its only file system, and `xnix run` runs the result
/// with no cross sysroot installed for it. A second fresh store builds
/// bit-identical outputs.
#[test]
fn cross_built_closures_carry_their_c_library_for_every_linux_target() {
    let a = Store::new();
    for (target, qemu, libc_group, elf_machine) in [
        ("riscv64", "qemu-riscv64", "libc-cross-riscv64", 243),
        ("armv7l", "qemu-arm", "libc-cross-armhf", 40),
        // This machine runs i686 programs itself (qemu-i386 here only to
        // give the program the empty root as its file system).
        ("i686", "qemu-i386", "libc-cross-i386", 3),
    ] {
        let expr = pure(&format!("pure.hello {{ target = \"{target}\"; }}"));
        let hello = a.build(&expr);
        let closure = a.closure(&hello);
        let libc = closure
            .iter()
            .find(|p| p.ends_with(&format!("-debian-bookworm-amd64-{libc_group}")))
            .unwrap_or_else(|| panic!("{target}: no C library in {closure:?}"));
        assert_eq!(
            closure.len(),
            2,
            "{target}: hello and its C library only: {closure:?}"
        );

        let elf = fs::read(a.real(&hello).join("bin/hello")).unwrap();
        assert_eq!(
            u16::from_le_bytes([elf[18], elf[19]]),
            elf_machine,
            "{target}"
        );
        // The interpreter and run path name the C library's store path.
        let text = String::from_utf8_lossy(&elf);
        assert!(
            text.contains(&format!("{libc}/usr/")),
            "{target}: {hello} does not name {libc}"
        );

        let root = empty_root_with(&a, &hello);
        let out = run(Command::new(qemu).arg("-L").arg(root.path()).arg(
            root.path()
                .join(hello.trim_start_matches('/'))
                .join("bin/hello"),
        ));
        assert_eq!(out, "Hello, world!\n", "{target}");

        if target == "i686" {
            // Run natively, the kernel needs the interpreter at its logical
            // path: in a chroot of the empty root.
            let out = run(Command::new("unshare")
                .args(["--user", "--map-root-user", "chroot"])
                .arg(root.path())
                .arg(format!("{hello}/bin/hello")));
            assert_eq!(out, "Hello, world!\n", "{target}: natively");
            let refused = a.xnix(&["run", "-E", &expr]);
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("run it in a chroot of"),
                "{target}: {refused:?}"
            );
        } else {
            let out = a.ok(&["run", "-E", &expr]);
            assert_eq!(out, "Hello, world!\n", "{target}: xnix run");
        }
    }

    // Reproducible: a second fresh store gives the same paths and NAR hashes
    // (two targets, to keep the test's time in bounds).
    let b = Store::new();
    for target in ["riscv64", "armv7l"] {
        let expr = pure(&format!("pure.hello {{ target = \"{target}\"; }}"));
        let in_a = a.build(&expr);
        let in_b = b.build(&expr);
        assert_eq!(in_a, in_b, "{target}");
        let closure = a.closure(&in_a);
        let paths: Vec<&str> = closure.iter().map(String::as_str).collect();
        assert_eq!(b.nar_hashes(&paths), a.nar_hashes(&paths), "{target}");
    }
}

/// musl through the pure stdenv (`pkgsStatic`, Debian's musl-gcc from the
/// lock): the result is statically linked, its closure is itself, and it
/// runs copied alone into an empty root.
#[test]
fn pure_musl_results_are_static_and_self_contained() {
    let a = Store::new();
    let hello = a.build(&format!(
        "(import {} {{ config.xnixPure = true; }}).pkgsStatic.hello",
        pkgs().display()
    ));
    assert_eq!(a.closure(&hello), std::slice::from_ref(&hello));
    let elf = fs::read(a.real(&hello).join("bin/hello")).unwrap();
    let text = String::from_utf8_lossy(&elf);
    assert!(!text.contains("ld-linux"), "{hello} names a dynamic loader");
    let root = empty_root_with(&a, &hello);
    let out = run(Command::new("unshare")
        .args(["--user", "--map-root-user", "chroot"])
        .arg(root.path())
        .arg(format!("{hello}/bin/hello")));
    assert_eq!(out, "Hello, world!\n");
}
