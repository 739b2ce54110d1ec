//! `xnix run` and `xnix doctor` end to end on scratch stores.
//!
//! `run`: a derivation's script gets the arguments, standard input and gives
//! its exit status back; the program is chosen by --bin, meta.mainProgram,
//! the name, or the only file, with clear errors listing bin/; a static
//! aarch64 program (compiled here) and the package collection's cross GNU
//! hello (dynamically linked) run through qemu-aarch64.
//!
//! `doctor --json`: every catalogue name (compared with nixpkgs' catalogue in
//! the oracle), native x86_64 targets build and run here, and every Linux
//! cross target whose Debian toolchain the test command installs (aarch64,
//! armv7l, riscv64, i686, powerpc64le, s390x, mips, mipsel, mips64el) builds
//! and runs natively or through its qemu. Doctor reads the collection's
//! structured toolchain status: a collection that sees a dpkg database
//! without the s390x toolchain makes doctor name exactly the packages the
//! collection lists.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use xnix_test_support::deb_cache;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// A scratch store (logical /xnix/store under a temporary root) and a work directory.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        assert!(
            Path::new("/bin/busybox").is_file() || Path::new("/usr/bin/busybox").is_file(),
            "busybox-static is required (scripts/install-deps installs it)"
        );
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(XNIX);
        deb_cache::configure(&mut c, Path::new(XNIX))
            .args(args)
            .current_dir(self.work())
            .env("XNIX_STORE_ROOT", self.dir.path().join("root"))
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR")
            .env_remove("XNIX_PKGS")
            .env_remove("NIX_PATH");
        c
    }

    fn xnix(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("running xnix")
    }

    /// Run with `input` on standard input.
    fn xnix_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running xnix");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn texts(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A derivation (`tools`) with two programs in bin/, neither named after it:
/// `tool` echoes its arguments,
/// reads one line of input and exits with its first argument.
const TOOL: &str = r#"
{ mainProgram ? null }:
derivation {
  name = "tools-1.0";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    mkdir -p $out/bin
    printf '#!/bin/sh\necho "args: $*"\nread line\necho "input: $line"\nexit "$1"\n' > $out/bin/tool
    printf '#!/bin/sh\necho other\n' > $out/bin/other
    chmod +x $out/bin/tool $out/bin/other
  '' ];
} // (if mainProgram == null then { } else { meta = { inherit mainProgram; }; })
"#;

#[test]
fn run_passes_arguments_input_and_exit_status() {
    let env = Env::new();
    fs::write(env.work().join("tool.nix"), TOOL).unwrap();
    // Two programs and none named after the package: pick with --bin.
    let o = env.xnix_with_input(
        &["run", "tool.nix", "--bin", "tool", "--", "7", "two words"],
        "hello there\n",
    );
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(7), "{out}\n{err}");
    assert_eq!(out, "args: 7 two words\ninput: hello there\n", "{err}");
    // Exit status 0 passes through too, and the build is not redone.
    let o = env.xnix_with_input(&["run", "tool.nix", "--bin", "tool", "--", "0"], "x\n");
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(!err.contains("building"), "rebuilt: {err}");

    // meta.mainProgram picks the program.
    let o = env.xnix(&["run", "tool.nix", "--argstr", "mainProgram", "other"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "other\n");

    // Nothing says which: the error lists bin/.
    let o = env.xnix(&["run", "tool.nix"]);
    let (_, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("cannot tell which program") && err.contains("bin has: other, tool"),
        "{err}"
    );
    assert!(err.contains("--bin"), "{err}");
    // A --bin that is not there names what is.
    let o = env.xnix(&["run", "tool.nix", "--bin", "nope"]);
    let (_, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("no program 'nope'") && err.contains("other, tool"),
        "{err}"
    );
}

#[test]
fn run_expression_uses_the_name_or_the_only_program() {
    let env = Env::new();
    // -E; the program named like the package (name without version).
    let expr = r#"derivation { name = "greeter-2.3"; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "mkdir -p $out/bin; printf '#!/bin/sh\necho greetings $1\n' > $out/bin/greeter; printf '#!/bin/sh\necho no\n' > $out/bin/zzz; chmod +x $out/bin/*" ]; }"#;
    let o = env.xnix(&["run", "-E", expr, "--", "all"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "greetings all\n");
    // The only program, whatever its name.
    let expr = r#"derivation { name = "pkg"; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "mkdir -p $out/bin; printf '#!/bin/sh\necho only; exit 3\n' > $out/bin/x; chmod +x $out/bin/x" ]; }"#;
    let o = env.xnix(&["run", "-E", expr]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(out, "only\n");
    // Not a derivation.
    let o = env.xnix(&["run", "-E", "42"]);
    let (_, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("not a derivation"), "{err}");
}

fn require(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{program} is required (Debian's {package}; scripts/install-deps installs it)"
    );
}

#[test]
fn run_static_aarch64_program_through_qemu() {
    require("qemu-aarch64", "qemu-user");
    let env = Env::new();
    // Linked statically by Debian's aarch64 cross gcc from the lock (a
    // root of locked packages, pkgs/debian/pure.nix): no C library needed.
    fs::write(
        env.work().join("prog.c"),
        "#include <stdio.h>\nint main(int argc, char **argv) { printf(\"aarch64 says %s\\n\", argc > 1 ? argv[1] : \"nothing\"); return 5; }\n",
    )
    .unwrap();
    fs::write(
        env.work().join("prog.nix"),
        format!(
            r#"let pure = import {}/debian/pure.nix {{ }}; in derivation {{
  name = "prog";
  system = builtins.currentSystem;
  builder = "/bin/busybox";
  __xnixRoot = pure.root {{ target = "aarch64"; groups = [ "busybox" ]; }};
  src = ./prog.c;
  args = [ "sh" "-c" "export PATH=/usr/bin; mkdir -p $out/bin; cp $src prog.c; aarch64-linux-gnu-gcc-12 -static -O1 -o $out/bin/prog prog.c" ];
}}"#,
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkgs")
        ),
    )
    .unwrap();
    let o = env.xnix(&["run", "prog.nix", "--", "hi"]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(5), "{out}\n{err}");
    assert_eq!(out, "aarch64 says hi\n", "{err}");

    // Without qemu on PATH: a clear error naming the package.
    let o = env
        .command(&["run", "prog.nix"])
        .env("PATH", env.work())
        .output()
        .unwrap();
    let (_, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("qemu-aarch64") && err.contains("apt-get install qemu-user"),
        "{err}"
    );
}

#[test]
fn run_cross_hello_from_the_package_collection() {
    require("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu");
    require("qemu-aarch64", "qemu-user");
    let env = Env::new();
    let o = env.xnix(&["run", "-A", "pkgsCross.aarch64-multiplatform.hello"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(out, "Hello, world!\n", "{err}");
    // Arguments reach it (no rebuild).
    let o = env.xnix(&[
        "run",
        "-A",
        "pkgsCross.aarch64-multiplatform.hello",
        "--",
        "-g",
        "Moin",
    ]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "Moin\n");
    assert!(!err.contains("building"), "rebuilt: {err}");
}

fn doctor_json(env: &Env) -> Value {
    let o = env.xnix(&["doctor", "--json"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("doctor --json is not JSON ({e}):\n{out}"))
}

fn target<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no target {name}"))
}

fn deb_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).ends_with("install ok installed"))
        .unwrap_or(false)
}

#[test]
fn doctor_reports_every_catalogue_platform() {
    let env = Env::new();
    let report = doctor_json(&env);
    let names: BTreeSet<String> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    let oracle_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/oracle/platforms/examples.json"
    );
    let oracle: Value = serde_json::from_str(
        &fs::read_to_string(oracle_path)
            .unwrap_or_else(|e| panic!("the oracle {oracle_path} is missing ({e})")),
    )
    .unwrap();
    let expected: BTreeSet<String> = oracle.as_object().unwrap().keys().cloned().collect();
    assert_eq!(expected.len(), 87);
    assert_eq!(names, expected);
    assert_eq!(report["buildPlatform"], "x86_64-linux");

    // Native x86_64: built with the machine's gcc / musl-gcc, run natively.
    for name in ["gnu64", "musl64"] {
        let t = target(&report, name);
        assert_eq!(t["build"]["ok"], true, "{name}: {t}");
        assert_eq!(t["run"]["ok"], true, "{name}: {t}");
        assert_eq!(t["run"]["how"], "native", "{name}: {t}");
    }
    // aarch64: the cross toolchain and qemu-user are installed by the test command.
    let t = target(&report, "aarch64-multiplatform");
    assert_eq!(t["build"]["ok"], true, "{t}");
    assert_eq!(t["run"]["how"], "emulator", "{t}");
    assert_eq!(t["run"]["emulator"], "qemu-aarch64", "{t}");
    assert_eq!(t["run"]["ok"], deb_installed("qemu-user"), "{t}");

    // The cross toolchains the test command installs (scripts/install-deps):
    // they build, and their programs run natively (i686) or through qemu.
    // (catalogue name, compiler package, emulator; none: runs natively)
    let installed: [(&str, &str, Option<&str>); 10] = [
        ("gnu32", "gcc-i686-linux-gnu", None),
        (
            "armv7l-hf-multiplatform",
            "gcc-arm-linux-gnueabihf",
            Some("qemu-arm"),
        ),
        ("riscv64", "gcc-riscv64-linux-gnu", Some("qemu-riscv64")),
        ("powernv", "gcc-powerpc64le-linux-gnu", Some("qemu-ppc64le")),
        ("s390x", "gcc-s390x-linux-gnu", Some("qemu-s390x")),
        ("mips-linux-gnu", "gcc-mips-linux-gnu", Some("qemu-mips")),
        (
            "mipsel-linux-gnu",
            "gcc-mipsel-linux-gnu",
            Some("qemu-mipsel"),
        ),
        (
            "mips64el-linux-gnuabi64",
            "gcc-mips64el-linux-gnuabi64",
            Some("qemu-mips64el"),
        ),
        (
            "mips64-linux-gnuabi64",
            "gcc-mips64-linux-gnuabi64",
            Some("qemu-mips64"),
        ),
        (
            "armv5tel-multiplatform",
            "gcc-arm-linux-gnueabi",
            Some("qemu-arm"),
        ),
    ];
    for (name, deb, emulator) in installed {
        let (how, emulator) = match emulator {
            Some(e) => ("emulator", Value::from(e)),
            None => ("native", Value::Null),
        };
        let t = target(&report, name);
        assert!(
            deb_installed(deb),
            "{deb} is required (scripts/install-deps installs it)"
        );
        assert_eq!(t["build"]["ok"], true, "{name}: {t}");
        assert_eq!(t["build"]["status"], "ok", "{name}: {t}");
        assert_eq!(t["run"]["how"], how, "{name}: {t}");
        assert_eq!(t["run"]["emulator"], emulator, "{name}: {t}");
        assert_eq!(t["run"]["ok"], true, "{name}: {t}");
    }
    // 32-bit Windows builds with the i686 MinGW toolchain.
    assert!(
        deb_installed("gcc-mingw-w64-i686"),
        "gcc-mingw-w64-i686 is required"
    );
    let t = target(&report, "mingw32");
    assert_eq!(t["build"]["ok"], true, "{t}");
    // ARMv6 (raspberryPi) builds with Debian's armhf toolchain, whose C
    // library is ARMv7 code: doctor says so; other targets have no caveat.
    let t = target(&report, "raspberryPi");
    assert_eq!(t["build"]["ok"], true, "{t}");
    let caveat = t["build"]["caveat"].as_str().unwrap();
    assert!(
        caveat.contains("ARMv7") && caveat.contains("Raspberry Pi 1"),
        "{t}"
    );
    for name in ["armv7l-hf-multiplatform", "armv5tel-multiplatform", "gnu64"] {
        let t = target(&report, name);
        assert_eq!(t["build"]["caveat"], "", "{name}: {t}");
    }
    // No toolchain at all for AVR, and nothing runs it.
    let t = target(&report, "avr");
    assert_eq!(t["build"]["status"], "no-toolchain", "{t}");
    assert_eq!(t["run"]["how"], "none", "{t}");
    // Windows programs need wine.
    let t = target(&report, "mingwW64");
    assert_eq!(t["run"]["emulator"], "wine64", "{t}");
    if !deb_installed("wine64") && !deb_installed("wine") {
        assert_eq!(t["run"]["ok"], false, "{t}");
        assert!(t["run"]["install"]
            .as_array()
            .unwrap()
            .contains(&Value::from("wine64")));
    }

    // The basics are checked.
    let checks: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "pkgs",
        "store",
        "sandbox",
        "qemu-user",
        "binfmt_misc",
        "nix",
    ] {
        assert!(checks.contains(&name), "no {name} check: {checks:?}");
    }
    let store = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "store")
        .unwrap();
    assert_eq!(store["ok"], true, "{store}");
}

/// A collection that is the real one with the build machine's compilers
/// (`xnixPure = false`), seeing a dpkg database (`xnixDpkgInfoDir`) with
/// only the packages of `installed`.
fn collection_with_dpkg(env: &Env, installed: &[&str]) -> PathBuf {
    let info = env.work().join("dpkg-info");
    fs::create_dir_all(&info).unwrap();
    for deb in installed {
        fs::write(info.join(format!("{deb}.md5sums")), "").unwrap();
    }
    let pkgs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkgs");
    let dir = env.work().join("pkgs-dpkg");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("default.nix"),
        format!(
            "{{ ... }}@args: import {pkgs} (args // {{ config = (args.config or {{ }}) // {{ xnixPure = false; xnixDpkgInfoDir = \"{}\"; }}; }})\n",
            info.display()
        ),
    )
    .unwrap();
    dir
}

#[test]
fn doctor_names_what_the_collection_says_is_missing() {
    let env = Env::new();
    // The native toolchain and the base tools are there; s390x's and the
    // i686 runtime are not, nor is anything of mipsel.
    let base = [
        "bash",
        "make",
        "coreutils",
        "tar",
        "sed",
        "grep",
        "findutils",
        "diffutils",
        "patch",
        "gzip",
        "bzip2",
        "xz-utils",
    ];
    let native = [
        "gcc-12",
        "cpp-12",
        "binutils-x86-64-linux-gnu",
        "libc6-dev:amd64",
        "libgcc-12-dev:amd64",
    ];
    let i686 = [
        "gcc-12-i686-linux-gnu",
        "cpp-12-i686-linux-gnu",
        "binutils-i686-linux-gnu",
        "libc6-dev-i386-cross",
        "libgcc-12-dev-i386-cross",
    ];
    let s390x = ["gcc-12-s390x-linux-gnu", "cpp-12-s390x-linux-gnu"];
    let installed: Vec<&str> = base
        .iter()
        .chain(&native)
        .chain(&i686)
        .chain(&s390x)
        .copied()
        .collect();
    let pkgs = collection_with_dpkg(&env, &installed);
    let o = env
        .command(&["doctor", "--json"])
        .env("XNIX_PKGS", &pkgs)
        .output()
        .unwrap();
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();

    let t = target(&report, "gnu64");
    assert_eq!(t["build"]["status"], "ok", "{t}");
    // Half of s390x's toolchain: the packages that bring the rest.
    let t = target(&report, "s390x");
    assert_eq!(t["build"]["ok"], false, "{t}");
    assert_eq!(t["build"]["status"], "missing-packages", "{t}");
    assert_eq!(
        t["build"]["install"],
        serde_json::json!(["gcc-s390x-linux-gnu", "libc6-dev-s390x-cross"]),
        "{t}"
    );
    assert!(
        t["build"]["detail"]
            .as_str()
            .unwrap()
            .contains("`binutils-s390x-linux-gnu`"),
        "{t}"
    );
    // i686 lacks only the i386 C library it runs its programs with.
    let t = target(&report, "gnu32");
    assert_eq!(t["build"]["status"], "missing-packages", "{t}");
    assert_eq!(
        t["build"]["install"],
        serde_json::json!(["gcc-i686-linux-gnu", "libc6-dev-i386-cross", "libc6:i386"]),
        "{t}"
    );
    assert!(
        t["build"]["detail"]
            .as_str()
            .unwrap()
            .contains("dpkg --add-architecture i386"),
        "{t}"
    );
    let t = target(&report, "mipsel-linux-gnu");
    assert_eq!(
        t["build"]["install"],
        serde_json::json!(["gcc-mipsel-linux-gnu", "libc6-dev-mipsel-cross"]),
        "{t}"
    );
    let t = target(&report, "avr");
    assert_eq!(t["build"]["status"], "no-toolchain", "{t}");
    let install = report["install"].as_array().unwrap();
    for p in ["gcc-s390x-linux-gnu", "libc6:i386", "gcc-mipsel-linux-gnu"] {
        assert!(install.contains(&Value::from(p)), "{p} not in {install:?}");
    }

    // Plain output: the same packages, in the words users see.
    let o = env
        .command(&["doctor"])
        .env("XNIX_PKGS", &pkgs)
        .output()
        .unwrap();
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("s390x "))
        .unwrap_or_else(|| panic!("no s390x line:\n{out}"));
    assert!(
        line.contains("build no: apt-get install gcc-s390x-linux-gnu libc6-dev-s390x-cross;"),
        "{line}"
    );

    // Building for it fails with the collection's reason, which doctor showed.
    let o = env
        .command(&["build", "-A", "pkgsCross.s390x.hello"])
        .env("XNIX_PKGS", &pkgs)
        .output()
        .unwrap();
    let (_, err) = texts(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("needs the Debian package `binutils-s390x-linux-gnu`")
            && err.contains("apt-get install gcc-s390x-linux-gnu libc6-dev-s390x-cross"),
        "{err}"
    );
}

#[test]
fn doctor_plain_output_and_missing_collection() {
    let env = Env::new();
    // Not a terminal: one line per target.
    let o = env.xnix(&["doctor"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let gnu64 = out
        .lines()
        .find(|l| l.starts_with("gnu64 "))
        .unwrap_or_else(|| panic!("no gnu64 line:\n{out}"));
    assert!(
        gnu64.contains("build yes") && gnu64.contains("run yes (natively)"),
        "{gnu64}"
    );
    let targets = out.lines().filter(|l| l.contains("): build ")).count();
    assert_eq!(targets, 87, "{out}");
    // The caveat is on the target's own line.
    let pi = out
        .lines()
        .find(|l| l.starts_with("raspberryPi "))
        .unwrap_or_else(|| panic!("no raspberryPi line:\n{out}"));
    assert!(pi.contains("; caveat: ") && pi.contains("ARMv7"), "{pi}");

    // A collection that is not there: nothing builds, and doctor says why.
    let o = env
        .command(&["doctor", "--json"])
        .env("XNIX_PKGS", env.work().join("no-such-pkgs"))
        .output()
        .unwrap();
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let t = target(&report, "gnu64");
    assert_eq!(t["build"]["ok"], false, "{t}");
    assert_eq!(t["run"]["how"], "native", "{t}");
}

#[test]
fn help_has_examples() {
    for cmd in ["run", "doctor"] {
        let o = Command::new(XNIX).args([cmd, "--help"]).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success());
        assert!(out.contains("Examples:"), "{cmd}: {out}");
        assert!(out.contains(&format!("xnix {cmd}")), "{cmd}: {out}");
    }
}

#[test]
fn run_windows_program_needs_wine() {
    require("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
    let env = Env::new();
    let o = env.xnix(&["run", "-A", "pkgsCross.mingwW64.hello"]);
    let (out, err) = texts(&o);
    let have_wine = ["wine", "wine64"].iter().any(|w| {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(w).is_file()))
            .unwrap_or(false)
    });
    if have_wine {
        assert!(o.status.success(), "{out}\n{err}");
        assert_eq!(out.replace("\r\n", "\n"), "Hello, world!\n");
    } else {
        assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
        assert!(
            err.contains("hello.exe is a Windows program") && err.contains("apt-get install wine"),
            "{err}"
        );
    }
}

fn toolchains(env: &Env) -> (Value, String) {
    let o = env.xnix(&["doctor", "--toolchains", "--json"]);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let json: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("doctor --toolchains --json is not JSON ({e}):\n{out}"));
    let o = env.xnix(&["doctor", "--toolchains"]);
    let (plain, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    (json, plain)
}

fn group<'a>(report: &'a Value, suite_arch_group: (&str, &str, &str)) -> &'a Value {
    let (suite, arch, name) = suite_arch_group;
    report["toolchains"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["suite"] == suite && g["architecture"] == arch && g["group"] == name)
        .unwrap_or_else(|| panic!("no group {suite}/{arch}/{name} in {report:#}"))
}

#[test]
fn doctor_reports_the_locks_toolchains_from_the_store() {
    let env = Env::new();
    // Every group of every lock file is reported, a fresh store has none.
    let (report, plain) = toolchains(&env);
    let pkgs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs/debian");
    for (suite, dir) in [("bookworm", pkgs.clone()), ("trixie", pkgs.join("trixie"))] {
        for lock in fs::read_dir(&dir).unwrap().flatten() {
            let file = lock.file_name().to_string_lossy().into_owned();
            let Some(arch) = file
                .strip_prefix(&format!("{suite}-"))
                .and_then(|f| f.strip_suffix(".json"))
            else {
                continue;
            };
            let lock: Value =
                serde_json::from_str(&fs::read_to_string(lock.path()).unwrap()).unwrap();
            for (name, members) in lock["closures"].as_object().unwrap() {
                let g = group(&report, (suite, arch, name));
                assert_eq!(g["state"], "not-fetched", "{g}");
                assert_eq!(g["fetched"], false, "{g}");
                assert_eq!(g["debs"], members.as_array().unwrap().len(), "{g}");
                assert_eq!(g["fetchedBytes"], 0, "{g}");
                assert!(g["debBytes"].as_u64().unwrap() > 0, "{g}");
            }
        }
    }
    assert!(
        plain.contains("bookworm/amd64/busybox") && plain.contains("not fetched, 1 .deb"),
        "{plain}"
    );
    // The store was not created by looking.
    assert!(!env.dir.path().join("root/xnix/store").exists());

    // Fetch the smallest group's .deb: fetched, with the lock's size.
    let busybox = ("bookworm", "amd64", "busybox");
    let size = group(&report, busybox)["debBytes"].as_u64().unwrap();
    let fetch = |expr: &str| {
        let o = env
            .command(&["build", "--no-out-link", "-E", expr])
            .env(
                "XNIX_MIRROR_DEBIAN",
                xnix_test_support::deb_cache::mirrors(),
            )
            .output()
            .unwrap();
        let (out, err) = texts(&o);
        assert!(o.status.success(), "{expr}: {err}");
        out.trim().to_string()
    };
    fetch("(import <xnixpkgs/debian> { }).debs.amd64.busybox-static");
    let (report, plain) = toolchains(&env);
    let g = group(&report, busybox);
    assert_eq!(g["state"], "fetched", "{g}");
    assert_eq!(g["fetched"], true, "{g}");
    assert_eq!(
        (g["fetchedDebs"].as_u64(), g["fetchedBytes"].as_u64()),
        (Some(1), Some(size))
    );
    assert!(g["unpackedSize"].is_null(), "{g}");
    assert!(plain.contains("fetched, 1 .deb"), "{plain}");
    // Others are untouched.
    assert_eq!(
        group(&report, ("bookworm", "amd64", "gcc-native"))["state"],
        "not-fetched"
    );

    // A collection whose sets are pure: a target's toolchain is the lock's
    // root, reported from the store (its busybox .deb is there now), not
    // from dpkg.
    let pure_pkgs = env.work().join("pure-pkgs");
    fs::create_dir_all(&pure_pkgs).unwrap();
    let real_pkgs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs");
    fs::write(
        pure_pkgs.join("default.nix"),
        format!(
            "args: import {} (args // {{ config = (args.config or {{ }}) // {{ xnixPure = true; }}; }})",
            real_pkgs.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::symlink(real_pkgs.join("debian"), pure_pkgs.join("debian")).unwrap();
    let o = env
        .command(&["doctor", "--json"])
        .env("XNIX_PKGS", &pure_pkgs)
        .output()
        .unwrap();
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let full: Value = serde_json::from_str(&out).unwrap();
    let gnu64 = target(&full, "gnu64");
    let toolchain = &gnu64["build"]["toolchain"];
    assert_eq!(gnu64["build"]["ok"], true, "{gnu64}");
    assert_eq!(toolchain["from"], "lock", "{gnu64}");
    assert!(
        toolchain["root"]
            .as_str()
            .unwrap()
            .contains("-debian-bookworm-root-x86_64"),
        "{gnu64}"
    );
    assert_eq!(toolchain["fetched"], false, "{gnu64}");
    assert!(toolchain["rootSize"].is_null(), "{gnu64}");
    assert_eq!(
        (
            toolchain["fetchedDebs"].as_u64(),
            toolchain["fetchedBytes"].as_u64()
        ),
        (Some(1), Some(size)),
        "{gnu64}"
    );
    assert!(toolchain["debBytes"].as_u64().unwrap() > size, "{gnu64}");
    // A platform pure builds do not cover has no lock toolchain.
    let avr = target(&full, "avr");
    assert_eq!(avr["build"]["ok"], false, "{avr}");
    assert_ne!(avr["build"]["toolchain"]["from"], "lock", "{avr}");

    // Unpack it: the tree is in the store with its NAR size.
    let tree = fetch("(import <xnixpkgs/debian> { }).groups.amd64.busybox");
    let (report, plain) = toolchains(&env);
    let g = group(&report, busybox);
    assert_eq!(g["state"], "unpacked", "{g}");
    assert_eq!(g["unpackedPath"], tree.as_str(), "{g}");
    let info: Value =
        serde_json::from_str(&texts(&env.xnix(&["path-info", "--json", &tree])).0).unwrap();
    assert_eq!(g["unpackedSize"], info[0]["narSize"], "{g} {info}");
    assert!(g["unpackedSize"].as_u64().unwrap() > size, "{g}");
    assert!(plain.contains("unpacked, "), "{plain}");
}
