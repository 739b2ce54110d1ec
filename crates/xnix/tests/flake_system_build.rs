//! The cross-compilation guides' system configurations as a flake
//! (tests/flakes/seed-examples, `inputs.nixpkgs.url = "nixpkgs"`), built with
//! `xnix build .#nixosConfigurations.NAME.config.system.build.toplevel` into a private
//! store: cross through `nixpkgs.crossSystem` (riscv64), through
//! `nixpkgs.buildPlatform`/`hostPlatform` (aarch64), and a package set whose overlay makes
//! clang the compiler, passed through `specialArgs`. The toplevels hold programs for the
//! target (ELF machine) and the `etc` files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix sits two levels below the workspace root")
        .to_path_buf()
}

/// The file a logical path (`/xnix/store/...`, possibly through symlinks
/// pointing into the logical store) is under the store root `root`.
fn physical(root: &Path, logical: &Path) -> PathBuf {
    let mut current = root.join(logical.strip_prefix("/").unwrap());
    for _ in 0..40 {
        let mut resolved = PathBuf::from("/");
        let mut changed = false;
        let components: Vec<_> = current.components().collect();
        for (i, c) in components.iter().enumerate() {
            resolved.push(c);
            if let Ok(target) = std::fs::read_link(&resolved) {
                let base = if target.is_absolute() {
                    root.join(target.strip_prefix("/").unwrap())
                } else {
                    resolved.parent().unwrap().join(target)
                };
                let mut rest = base;
                for c in &components[i + 1..] {
                    rest.push(c);
                }
                current = rest;
                changed = true;
                break;
            }
        }
        if !changed {
            return current;
        }
    }
    panic!("too many symlinks under {}", logical.display());
}

/// `e_machine` of an ELF file.
fn elf_machine(bytes: &[u8]) -> u16 {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    let little = bytes[5] == 1;
    let raw = [bytes[18], bytes[19]];
    if little {
        u16::from_le_bytes(raw)
    } else {
        u16::from_be_bytes(raw)
    }
}

/// A scratch store root, made writable again before it is removed (store
/// paths are read-only).
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("scratch directory"))
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.0.path())
            .status();
    }
}

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
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
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
