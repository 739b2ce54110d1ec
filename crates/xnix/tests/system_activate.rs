//! Activation of system configurations on a throw-away copy of this machine:
//! builds two generations of tests/system/generation.nix with `xnix build`
//! into a private store, then runs tests/system/activation-test.sh, which
//! switches between them inside a private mount namespace (a copy of /etc,
//! an empty /xnix/var) and checks each step: dry-activate changes nothing,
//! switch links /etc entries through /etc/static and moves an unmanaged file
//! aside, users and groups are created, activation scripts run in dependency
//! order, a second switch changes nothing, boot only moves the profile, and
//! the next generation removes what it dropped while keeping a hand-edited
//! copy. systemd "runs" in that root (/run/systemd/system and a stand-in
//! systemctl that logs its arguments): each step must call systemctl exactly
//! as expected (reload, start wanted services, restart changed ones, stop
//! dropped ones; nothing for dry-activate and boot). Needs root (the
//! namespace and chroot), as CI has.

use std::path::Path;
use std::process::Command;
use xnix_test_support::deb_cache;
use xnix_test_support::store_root::{workspace_root, Scratch};

fn build_generation(root: &Path, generation: u32) -> String {
    let xnix = Path::new(env!("CARGO_BIN_EXE_xnix"));
    let out = deb_cache::configure(&mut Command::new(xnix), xnix)
        .current_dir(workspace_root())
        .args([
            "build",
            "tests/system/generation.nix",
            "-A",
            "config.system.build.toplevel",
            "--no-out-link",
        ])
        .args(["--arg", "generation", &generation.to_string()])
        .env("XNIX_STORE_ROOT", root)
        .env("HOME", root)
        .env("NIX_PATH", "")
        .output()
        .expect("xnix runs");
    assert!(
        out.status.success(),
        "building generation {generation} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .expect("a path is printed")
        .trim()
        .to_string()
}

#[test]
fn two_generations_switch_test_boot_dry_activate() {
    let scratch = Scratch::new();
    let root = scratch.path();
    let gen1 = build_generation(root, 1);
    let gen2 = build_generation(root, 2);
    assert_ne!(gen1, gen2);
    let out = Command::new(workspace_root().join("tests/system/activation-test.sh"))
        .arg(root)
        .arg(&gen1)
        .arg(&gen2)
        .output()
        .expect("the activation test script runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "activation test failed:\n{stdout}\n{stderr}"
    );
    // The script's own count, so a script that checked nothing cannot pass.
    assert!(stdout.contains("\n0 failed"), "{stdout}");
    assert!(stdout.matches("ok: ").count() >= 50, "{stdout}");
}
