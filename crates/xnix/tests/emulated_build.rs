//! Emulated builds: a raw derivation for aarch64-linux, whose builder is
//! Debian's arm64 bash from the lock, builds on this x86_64 machine under
//! the static qemu registered in the sandbox's own binfmt_misc instance;
//! the machine's global binfmt_misc holds the same entries before and
//! after; a system nothing here can run fails before anything is built,
//! naming the system, what was tried and what to do; GNU hello and lua of
//! the native aarch64 and riscv64 package sets (`localSystem`, `--argstr
//! system`, a system configuration's `nixpkgs.hostPlatform`) build here
//! fully emulated, with that architecture's own Debian toolchain from the
//! lock (bookworm arm64, trixie riscv64), and run; the hybrid aarch64 set
//! (`pkgsHybrid`) builds hello with the x86_64-hosted cross gcc run
//! natively inside the emulated build.
//!
//! The `.deb` files come through the tests' shared cache
//! (xnix_test_support::deb_cache), which this test's native roots join.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xnix_test_support::deb_cache;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn pkgs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs")
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
        // The native roots' `.deb`s join the shared cache.
        deb_cache::fill_from_store(self.0.path());
        make_writable(self.0.path());
    }
}

fn xnix(store: &Path, args: &[&str]) -> Output {
    Command::new(XNIX)
        .args(args)
        .env("XNIX_STORE_ROOT", store)
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env("XNIX_MIRROR_DEBIAN", deb_cache::prepare(Path::new(XNIX)))
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
    // The emulator is Debian's qemu-user-static of the lock, in the store.
    assert!(
        result.contains("-debian-bookworm-amd64-qemu-user-static/usr/bin/qemu-aarch64-static\n"),
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

/// What one emulated native package set should give.
struct Native {
    system: &'static str,
    /// The lock's root the builders ran in (its store name).
    root: &'static str,
    /// The compiler wrapper (its store name carries the locked gcc version).
    wrapper: &'static str,
    qemu: &'static str,
}

/// Build `hello` and `lua` of the native set `how` selects, check that
/// their builders ran in the architecture's own Debian root, that
/// configure did not take the build for a cross build, and that the
/// programs are of the system and run.
fn build_native_hello_and_lua(native: &Native, args: &[&str]) {
    let store = Scratch::new();
    let before = global_binfmt();
    let mut all = vec![
        "build",
        "--no-out-link",
        "-j",
        "2",
        "--option",
        "cores",
        "1",
    ];
    all.extend_from_slice(args);
    let o = xnix(store.path(), &all);
    assert!(o.status.success(), "{}", text(&o));
    let outs = String::from_utf8(o.stdout).unwrap();
    let outs: Vec<&str> = outs.lines().collect();
    assert_eq!(outs.len(), 2, "{outs:?}");
    let real = |logical: &str| store.path().join(logical.trim_start_matches('/'));
    for (out, program, expected) in [
        (outs[0], "bin/hello", "Hello, world!\n"),
        (outs[1], "bin/lua", "emulated 42\n"),
    ] {
        let path = real(&format!("{out}/{program}"));
        let binary = xnix_platform::binary::inspect(&path).unwrap().unwrap();
        assert_eq!(binary.system.as_deref(), Some(native.system), "{binary:?}");

        // The builder ran in the architecture's own root, with its gcc.
        let info = xnix(store.path(), &["path-info", "--json", out]);
        let deriver = serde_json::from_slice::<serde_json::Value>(&info.stdout).unwrap()[0]
            ["deriver"]
            .as_str()
            .unwrap()
            .to_string();
        let drv = fs::read_to_string(real(&deriver)).unwrap();
        assert!(
            drv.contains(native.root),
            "{deriver} does not use {}",
            native.root
        );
        assert!(drv.contains(&format!("\"{}\"", native.system)), "{drv}");
        assert!(
            drv.contains(native.wrapper),
            "{deriver} is not built with {}",
            native.wrapper
        );

        let mut run = Command::new(native.qemu);
        run.arg("-L").arg(store.path()).arg(&path);
        if program == "bin/lua" {
            run.args(["-e", "print('emulated ' .. 6 * 7)"]);
        }
        let run = run.output().unwrap();
        assert!(run.status.success(), "{}", text(&run));
        assert_eq!(String::from_utf8_lossy(&run.stdout), expected);
    }
    // A native build: configure ran what it compiled (under the sandbox's
    // qemu) instead of assuming a cross compilation.
    let log_dir = store.path().join("xnix/var/xnix/log");
    let hello_log = fs::read_dir(&log_dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-hello-2.10.drv"))
        .unwrap();
    let log = fs::read_to_string(hello_log.path()).unwrap();
    assert!(
        log.contains("checking whether we are cross compiling... no"),
        "{log}"
    );
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}

#[test]
fn local_system_aarch64_builds_hello_and_lua_with_arm64_tools_emulated() {
    let expr = format!(
        r#"with import {} {{ localSystem = "aarch64-linux"; }}; [ hello lua ]"#,
        pkgs().display()
    );
    build_native_hello_and_lua(
        &Native {
            system: "aarch64-linux",
            root: "-debian-bookworm-arm64-native-root",
            wrapper: "-gcc-wrapper-12.2.0",
            qemu: "qemu-aarch64-static",
        },
        &["-E", &expr],
    );
}

#[test]
fn argstr_system_riscv64_builds_hello_and_lua_with_trixie_riscv64_tools_emulated() {
    let file = pkgs().display().to_string();
    build_native_hello_and_lua(
        &Native {
            system: "riscv64-linux",
            root: "-debian-trixie-riscv64-native-root",
            wrapper: "-gcc-wrapper-14.2.0",
            qemu: "qemu-riscv64-static",
        },
        &[
            &file,
            "--argstr",
            "system",
            "riscv64-linux",
            "-A",
            "hello",
            "-A",
            "lua",
        ],
    );
}

/// A system configuration for riscv64 without a build platform uses the
/// same emulated native package set as `localSystem = "riscv64-linux"`
/// (evaluation only: its toplevel is the system suite's business).
#[test]
fn a_system_configuration_with_only_a_host_platform_builds_emulated_natively() {
    let store = Scratch::new();
    let expr = format!(
        r#"let
             lib = import {pkgs}/lib;
             c = lib.nixosSystem {{ modules = [ {{ nixpkgs.hostPlatform = "riscv64-linux"; }} ]; }};
             direct = import {pkgs} {{ localSystem = "riscv64-linux"; }};
           in [ (c.pkgs.hello.drvPath == direct.hello.drvPath) c.pkgs.stdenv.isCross
                (c.pkgs.hello.__xnixRoot.name == "debian-trixie-riscv64-native-root") ]"#,
        pkgs = pkgs().display()
    );
    let o = xnix(store.path(), &["eval", "--json", "-E", &expr]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "[true,false,true]"
    );
}

/// A cross build that runs what it has just built for its host (not
/// through `$emulator`) builds when it opts in (`runHostPrograms`, the
/// derivation's `__xnixEmulate`), and without the opt-in fails with an
/// error naming it.
#[test]
fn a_cross_build_runs_its_host_programs_only_when_it_opts_in() {
    let store = Scratch::new();
    let before = global_binfmt();
    let package = |opt_in: bool| {
        format!(
            r#"with import {pkgs} {{ crossSystem = "aarch64-linux"; }};
            stdenv.mkDerivation {{
              name = "generated-by-a-host-program";
              runHostPrograms = {opt_in};
              src = builtins.toFile "gen.c" ''
                #include <stdio.h>
                #include <sys/utsname.h>
                int main(void) {{ struct utsname u; uname(&u); printf("generated on %s\n", u.machine); return 0; }}
              '';
              unpackPhase = "cp $src gen.c";
              buildPhase = "$CC -static -O1 gen.c -o gen && ./gen > generated.txt";
              installPhase = "mkdir -p $out && cp generated.txt $out/";
            }}"#,
            pkgs = pkgs().display()
        )
    };
    let o = xnix(
        store.path(),
        &["build", "--no-out-link", "-E", &package(true)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let generated = fs::read_to_string(
        store
            .path()
            .join(out.trim().trim_start_matches('/'))
            .join("generated.txt"),
    )
    .unwrap();
    assert_eq!(generated, "generated on aarch64\n");

    let o = xnix(
        store.path(),
        &["build", "--no-out-link", "-E", &package(false)],
    );
    assert!(!o.status.success());
    let err = text(&o);
    assert!(err.contains("__xnixEmulate"), "{err}");
    assert!(err.contains("runHostPrograms = true"), "{err}");
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}

/// `xnix emulation enable|disable|status` on a binfmt_misc instance of its
/// own (a user namespace's, as a stand-in for the machine's global one,
/// which this test must not change): enable registers xnix-qemu-<arch>
/// entries with the static qemu, status shows them, disable removes only
/// those named.
#[test]
fn emulation_enable_status_disable_manage_xnix_entries() {
    let before = global_binfmt();
    let script = format!(
        "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 3
         {xnix} emulation enable --host-qemu aarch64-linux riscv64-linux || exit 4
         cat /proc/sys/fs/binfmt_misc/xnix-qemu-riscv64
         {xnix} emulation status --json || exit 5
         {xnix} emulation disable aarch64-linux || exit 6
         ls /proc/sys/fs/binfmt_misc",
        xnix = XNIX
    );
    let o = Command::new("unshare")
        .args(["-Urm", "sh", "-c", &script])
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("registered xnix-qemu-aarch64"), "{out}");
    assert!(out.contains("flags: PF"), "{out}");
    assert!(
        out.contains("interpreter /usr/bin/qemu-riscv64-static"),
        "{out}"
    );
    assert!(
        out.contains(r#""globalEntry": "xnix-qemu-riscv64""#),
        "{out}"
    );
    assert!(out.contains("removed xnix-qemu-aarch64"), "{out}");
    let listing: Vec<&str> = out.lines().rev().take(3).collect();
    assert!(listing.contains(&"xnix-qemu-riscv64"), "{out}");
    assert!(!listing.contains(&"xnix-qemu-aarch64"), "{out}");
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}

/// Every `GCC: (...)` version string in a file (what `.comment` holds,
/// one per compiler that contributed code).
fn gcc_idents(path: &Path) -> Vec<String> {
    let bytes = fs::read(path).unwrap();
    let needle = b"GCC: (";
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(needle.len()).position(|w| w == needle) {
        let start = at + i;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == 0)
            .map_or(bytes.len(), |n| start + n);
        let ident = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        if !found.contains(&ident) {
            found.push(ident);
        }
        at = end;
    }
    found
}

/// The hybrid set (`pkgsHybrid` of `localSystem = "aarch64-linux"`): hello
/// builds with the shell and the standard tools x86_64 programs run
/// natively, `uname` still the aarch64 one (the build sees an aarch64
/// machine), programs the build compiles run (emulated), and the compiler
/// that runs is the x86_64-hosted cross gcc of the amd64 lock (its `-v`
/// names `--host=x86_64-linux-gnu` and the cross cc1), the same compiler
/// whose version string hello carries; hello is an aarch64 program and
/// runs; the hybrid is its own derivation, not the fully emulated one.
#[test]
fn hybrid_aarch64_hello_compiles_with_native_x86_64_gcc_and_runs() {
    let store = Scratch::new();
    let before = global_binfmt();
    let set = format!(
        r#"import {} {{ localSystem = "aarch64-linux"; }}"#,
        pkgs().display()
    );
    let o = xnix(
        store.path(),
        &[
            "eval",
            "--json",
            "-E",
            &format!(
                r#"let p = {set}; h = (import {pkgs} {{ localSystem = "aarch64-linux"; config.xnixHybrid = true; }}).hello;
                   in [ (p.pkgsHybrid.hello.drvPath == h.drvPath) (p.pkgsHybrid.hello.drvPath == p.hello.drvPath)
                        p.pkgsHybrid.hello.__xnixRoot.name ]"#,
                pkgs = pkgs().display()
            ),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        r#"[true,false,"debian-bookworm-arm64-hybrid-root"]"#
    );

    let probe = format!(
        r#"with ({set}).pkgsHybrid; [
             hello
             (stdenv.mkDerivation {{
               name = "hybrid-compiler-probe";
               buildCommand = ''
                 mkdir -p $out
                 uname -m > $out/shell-machine
                 cp /bin/sh /usr/bin/bash /usr/bin/sed /usr/bin/uname $out/
                 echo 'int main(void) {{ return 0; }}' > probe.c
                 cc -v -c probe.c -o $out/probe.o 2> $out/cc-v
                 cc probe.c -o probe
                 ./probe && echo ran > $out/probe-ran
               '';
             }})
           ]"#
    );
    let o = xnix(
        store.path(),
        &[
            "build",
            "--no-out-link",
            "-j",
            "2",
            "--option",
            "cores",
            "1",
            "-E",
            &probe,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let outs = String::from_utf8(o.stdout).unwrap();
    let outs: Vec<&str> = outs.lines().collect();
    assert_eq!(outs.len(), 2, "{outs:?}");
    let real = |logical: &str| store.path().join(logical.trim_start_matches('/'));

    // The shell and the standard tools are x86_64 programs, `uname` the
    // aarch64 one, which names the machine the build is for; a program the
    // build compiled ran.
    let probe_out = real(outs[1]);
    assert_eq!(
        fs::read_to_string(probe_out.join("shell-machine")).unwrap(),
        "aarch64\n"
    );
    let system_of = |name: &str| {
        xnix_platform::binary::inspect(&probe_out.join(name))
            .unwrap()
            .and_then(|b| b.system)
    };
    for tool in ["sh", "bash", "sed"] {
        assert_eq!(system_of(tool).as_deref(), Some("x86_64-linux"), "{tool}");
    }
    assert_eq!(system_of("uname").as_deref(), Some("aarch64-linux"));
    assert!(probe_out.join("probe-ran").exists());
    let cc_v = fs::read_to_string(probe_out.join("cc-v")).unwrap();
    assert!(cc_v.contains("--host=x86_64-linux-gnu"), "{cc_v}");
    assert!(cc_v.contains("Target: aarch64-linux-gnu"), "{cc_v}");
    assert!(
        cc_v.contains("/usr/lib/gcc-cross/aarch64-linux-gnu/12/cc1 "),
        "{cc_v}"
    );

    // hello: aarch64, compiled by that compiler, runs.
    let hello = real(&format!("{}/bin/hello", outs[0]));
    let binary = xnix_platform::binary::inspect(&hello).unwrap().unwrap();
    assert_eq!(
        binary.system.as_deref(),
        Some("aarch64-linux"),
        "{binary:?}"
    );
    let compiler = gcc_idents(&probe_out.join("probe.o"));
    assert_eq!(compiler.len(), 1, "{compiler:?}");
    assert!(
        gcc_idents(&hello).contains(&compiler[0]),
        "hello was not compiled by {compiler:?}: {:?}",
        gcc_idents(&hello)
    );
    let run = Command::new("qemu-aarch64-static")
        .arg("-L")
        .arg(store.path())
        .arg(&hello)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello, world!\n");
    assert_eq!(global_binfmt(), before, "the global binfmt_misc changed");
}
