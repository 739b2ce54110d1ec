//! Shared set-up for the sandbox, fetch and builder tests: a physical store
//! in a temporary directory seen by builders at a different logical store
//! directory, and a statically linked busybox as the builders' shell.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xnix_build::sandbox::{BuildJob, SandboxConfig, SandboxPath};

/// The store directory builders see in these tests.
pub const LOGICAL_STORE: &str = "/xnix/store";

/// Finds the statically linked busybox that test builders run; the tests
/// fail (not skip) without it, because scripts/install-deps installs it.
pub fn busybox() -> PathBuf {
    for candidate in ["/usr/bin/busybox", "/bin/busybox"] {
        let p = Path::new(candidate);
        if p.exists() {
            return p.to_path_buf();
        }
    }
    panic!("busybox is required by these tests: run scripts/install-deps (package busybox-static)");
}

/// A physical store under a temporary directory and a sandbox
/// configuration that shows it at [`LOGICAL_STORE`].
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub config: SandboxConfig,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let real = dir.path().join("store");
        fs::create_dir_all(&real).unwrap();
        let mut config = SandboxConfig::new(LOGICAL_STORE, &real);
        let bb = busybox();
        config.sandbox_paths = vec![
            SandboxPath {
                inside: "/bin/sh".into(),
                host: bb.clone(),
                optional: false,
            },
            SandboxPath {
                inside: "/bin/busybox".into(),
                host: bb,
                optional: false,
            },
        ];
        config.scratch_parent = dir.path().join("scratch");
        TestStore { dir, config }
    }

    /// Physical location of a store path given by its base name.
    pub fn real(&self, base: &str) -> PathBuf {
        self.config.real_store_dir.join(base)
    }

    /// Logical location of a store path given by its base name.
    pub fn logical(&self, base: &str) -> PathBuf {
        Path::new(LOGICAL_STORE).join(base)
    }

    /// Creates a directory store path holding one file.
    pub fn add_dir_path(&self, base: &str, file: &str, contents: &str) -> PathBuf {
        let p = self.real(base);
        fs::create_dir_all(&p).unwrap();
        fs::write(p.join(file), contents).unwrap();
        self.logical(base)
    }

    pub fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join("log").join(name)
    }

    /// A job running `script` with busybox's shell and one output `out`.
    pub fn shell_job(&self, name: &str, script: &str) -> BuildJob {
        let out = self.logical(&format!("{}-{name}", fake_hash(name)));
        let mut env = BTreeMap::new();
        env.insert("name".to_string(), name.to_string());
        env.insert("out".to_string(), out.display().to_string());
        BuildJob {
            name: format!("{LOGICAL_STORE}/{}-{name}.drv", fake_hash(name)),
            builder: "/bin/sh".to_string(),
            args: vec!["-c".to_string(), script.to_string()],
            env,
            outputs: [("out".to_string(), out)].into_iter().collect(),
            input_paths: Default::default(),
            fixed_output: false,
            extra_files: Default::default(),
        }
    }

    /// Every entry of the physical store with its contents, for
    /// before/after comparisons.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut map = BTreeMap::new();
        snapshot_into(&self.config.real_store_dir, &mut map);
        map
    }
}

fn snapshot_into(p: &Path, map: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let meta = fs::symlink_metadata(p).unwrap();
    if meta.is_dir() {
        map.insert(p.to_path_buf(), b"<dir>".to_vec());
        for e in fs::read_dir(p).unwrap() {
            snapshot_into(&e.unwrap().path(), map);
        }
    } else if meta.file_type().is_symlink() {
        map.insert(
            p.to_path_buf(),
            fs::read_link(p)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes(),
        );
    } else {
        map.insert(p.to_path_buf(), fs::read(p).unwrap());
    }
}

/// A 32-character string in Nix's base-32 alphabet derived from `seed`,
/// standing in for a store path digest.
pub fn fake_hash(seed: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let mut state: u64 = 0xcbf29ce484222325;
    for b in seed.bytes() {
        state = (state ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    (0..32)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[(state >> 59) as usize] as char
        })
        .collect()
}

/// Runs `nix-hash` (the reference implementation); fails the test with a
/// clear message when Nix is not installed.
pub fn nix_hash(args: &[&str]) -> String {
    let out = Command::new("nix-hash")
        .args(args)
        .output()
        .expect("nix-hash (Nix 2.8) is required: run scripts/install-deps test");
    assert!(
        out.status.success(),
        "nix-hash {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
