//! Builds system toplevels (tests/system/hello-system.nix) with `xnix build`
//! into a private store, natively and cross (`nixpkgs.buildPlatform =
//! "x86_64-linux"; nixpkgs.hostPlatform = "aarch64-linux";`), and checks
//! what is in them: `sw/bin/hello` is an ELF program for the host's machine,
//! `etc/` holds the configured files, `system` names the host, and the
//! scripts are in place.

use std::path::{Path, PathBuf};
use std::process::Command;

use xnix_test_support::deb_cache;
use xnix_test_support::store_root::{elf_machine, physical, workspace_root, Scratch};
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// Builds the toplevel of hello-system.nix with `args` (`--argstr` pairs)
/// into the store under `root`; returns its logical path.
fn build(root: &Path, args: &[(&str, &str)]) -> PathBuf {
    let xnix = Path::new(env!("CARGO_BIN_EXE_xnix"));
    let mut cmd = Command::new(xnix);
    deb_cache::configure(&mut cmd, xnix)
        .current_dir(workspace_root())
        .args([
            "build",
            "tests/system/hello-system.nix",
            "-A",
            "config.system.build.toplevel",
            "--no-out-link",
        ])
        .env("XNIX_STORE_ROOT", root)
        .env("HOME", root)
        .env("NIX_PATH", "");
    for (name, value) in args {
        cmd.args(["--argstr", name, value]);
    }
    let out = cmd.output().expect("xnix runs");
    assert!(
        out.status.success(),
        "xnix build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(stdout.lines().last().expect("a path is printed").trim())
}

fn read(root: &Path, logical: &Path) -> String {
    std::fs::read_to_string(physical(root, logical))
        .unwrap_or_else(|e| panic!("reading {}: {e}", logical.display()))
}

fn check_toplevel(root: &Path, top: &Path, system: &str, machine: u16) {
    let hello = std::fs::read(physical(root, &top.join("sw/bin/hello"))).expect("sw/bin/hello");
    assert_eq!(elf_machine(&hello), machine, "ELF machine of sw/bin/hello");
    assert_eq!(read(root, &top.join("system")), system);
    assert_eq!(read(root, &top.join("etc/hello.conf")), "greeting=hello\n");
    assert_eq!(read(root, &top.join("etc/hostname")), "hello-board\n");
    let unit = read(root, &top.join("etc/systemd/system/hello.service"));
    assert!(unit.contains("Type=oneshot"), "{unit}");
    let wants = read(
        root,
        &top.join("etc/systemd/system/multi-user.target.wants/hello.service"),
    );
    assert_eq!(wants, unit);
    // The unit's script runs the host's hello.
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart=");
    let script = read(root, Path::new(exec));
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    let activate = read(root, &top.join("activate"));
    assert!(activate.starts_with("#!/bin/sh\n"));
    assert!(
        activate.contains(&format!("systemConfig={}", top.display())),
        "activate knows its system"
    );
    let switch = read(root, &top.join("bin/switch-to-configuration"));
    assert!(switch.contains(&format!("systemConfig={}", top.display())));
    assert!(!read(root, &top.join("nixos-version")).is_empty());
}

#[test]
fn native_toplevel() {
    let root = Scratch::new();
    let top = build(root.path(), &[]);
    check_toplevel(root.path(), &top, "x86_64-linux", EM_X86_64);
}

#[test]
fn cross_toplevel_build_platform_host_platform() {
    let root = Scratch::new();
    let top = build(
        root.path(),
        &[
            ("buildPlatform", "x86_64-linux"),
            ("hostPlatform", "aarch64-linux"),
        ],
    );
    check_toplevel(root.path(), &top, "aarch64-linux", EM_AARCH64);
}
