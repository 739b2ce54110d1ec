//! Helpers for tests that build into a store under a scratch root: the
//! workspace, reading logical store paths under the root, ELF machines.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates sit two levels below the workspace root")
        .to_path_buf()
}

/// The file a logical path (`/xnix/store/...`, possibly through symlinks
/// pointing into the logical store) is under the store root `root`.
pub fn physical(root: &Path, logical: &Path) -> PathBuf {
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
pub fn elf_machine(bytes: &[u8]) -> u16 {
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
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    /// A new, empty scratch root.
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("scratch directory"))
    }
    /// Its directory.
    pub fn path(&self) -> &Path {
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

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch::new()
    }
}
