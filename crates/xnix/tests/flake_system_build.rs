//! The cross-compilation guides' system configurations as a flake
//! (tests/flakes/seed-examples, `inputs.nixpkgs.url = "nixpkgs"`), built with
//! `xnix build .#nixosConfigurations.NAME.config.system.build.toplevel` into a private
//! store: cross through `nixpkgs.crossSystem` (riscv64), through
//! `nixpkgs.buildPlatform`/`hostPlatform` (aarch64), and a package set whose overlay makes
//! clang the compiler, passed through `specialArgs`. The toplevels hold programs for the
//! target (ELF machine) and the `etc` files.

use std::path::{Path, PathBuf};
use std::process::Command;

use xnix_test_support::deb_cache;
use xnix_test_support::store_root::{elf_machine, physical, workspace_root, Scratch};
const EM_AARCH64: u16 = 183;
const EM_RISCV: u16 = 243;

fn read(root: &Path, logical: &Path) -> Vec<u8> {
    std::fs::read(physical(root, logical))
        .unwrap_or_else(|e| panic!("reading {}: {e}", logical.display()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn seed_examples_build_as_a_flake() {
    let scratch = Scratch::new();
    let root = scratch.path().join("root");
    let flake = scratch.path().join("flake");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::copy(
        workspace_root().join("tests/flakes/seed-examples/flake.nix"),
        flake.join("flake.nix"),
    )
    .unwrap();
    let names = ["lp4a", "board", "clang-board"];
    let installables: Vec<String> = names
        .iter()
        .map(|n| format!(".#nixosConfigurations.{n}.config.system.build.toplevel"))
        .collect();
    let xnix = Path::new(env!("CARGO_BIN_EXE_xnix"));
    let out = deb_cache::configure(&mut Command::new(xnix), xnix)
        .current_dir(&flake)
        .arg("build")
        .args(&installables)
        .args(["--no-out-link", "-j", "2"])
        .env("XNIX_STORE_ROOT", &root)
        .env("HOME", scratch.path())
        .env("XDG_CACHE_HOME", scratch.path().join("cache"))
        .env("XNIX_PKGS", workspace_root().join("pkgs"))
        .env("NIX_PATH", "")
        .output()
        .expect("xnix runs");
    assert!(
        out.status.success(),
        "xnix build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let tops: Vec<PathBuf> = stdout.lines().map(|l| PathBuf::from(l.trim())).collect();
    assert_eq!(tops.len(), 3, "one toplevel per configuration: {stdout}");
    // The lock file pins the bundled collection through the registry name.
    let lock = std::fs::read_to_string(flake.join("flake.lock")).unwrap();
    assert!(lock.contains("\"id\": \"nixpkgs\""), "{lock}");

    for (name, top, system, machine) in [
        ("lp4a", &tops[0], "riscv64-linux", EM_RISCV),
        ("board", &tops[1], "aarch64-linux", EM_AARCH64),
        ("clang-board", &tops[2], "aarch64-linux", EM_AARCH64),
    ] {
        let hello = read(&root, &top.join("sw/bin/hello"));
        assert_eq!(
            elf_machine(&hello),
            machine,
            "{name}: ELF machine of sw/bin/hello"
        );
        assert_eq!(
            read(&root, &top.join("system")),
            system.as_bytes(),
            "{name}"
        );
        assert_eq!(
            read(&root, &top.join("etc/board.conf")),
            format!("board={name}\n").as_bytes()
        );
        assert_eq!(
            read(&root, &top.join("etc/hostname")),
            format!("{name}\n").as_bytes()
        );
        // Compilers record themselves in `.comment`: only the overlaid instance used clang.
        let by_clang = contains(&hello, b"clang version");
        assert_eq!(by_clang, name == "clang-board", "{name}: built by clang?");
    }
}
