//! Helpers for the differential tests: run real Nix 2.8 and return its output;
//! SSH test hosts in namespaces ([`ssh_hosts`]); the machine-wide cache of
//! locked `.deb`s ([`deb_cache`]).
//! A missing Nix is a test failure, never a skip.
#![deny(missing_docs)]

use std::path::Path;
use std::process::Command;

pub mod deb_cache;
pub mod ssh_hosts;
pub mod store_root;

/// The configuration every Nix run here gets: no sandbox, no substituters.
pub const NIX_CONF: &str = "experimental-features = nix-command\nsandbox = false\nsubstituters =\n";

/// Run a Nix tool with [`NIX_CONF`] plus `extra_conf` lines; panics (fails
/// the test) only when it cannot start.
pub fn nix_output(tool: &str, args: &[&str], extra_conf: &str) -> std::process::Output {
    Command::new(tool)
        .args(args)
        .env("NIX_CONFIG", format!("{NIX_CONF}{extra_conf}"))
        .env_remove("NIX_STORE_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (Nix 2.8 is required for this test; scripts/install-deps test installs it): {e}"))
}

/// Run a Nix tool and return its stdout; panics (fails the test) with the
/// command and stderr when it cannot run or exits non-zero.
pub fn nix(tool: &str, args: &[&str]) -> String {
    let out = nix_output(tool, args, "");
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("nix printed non-UTF-8")
}

/// The NAR of `path` in the Nix store `store`, as Nix serialises it.
pub fn nix_dump(store: &str, path: &str) -> Vec<u8> {
    let out = nix_output("nix", &["store", "dump-path", "--store", store, path], "");
    assert!(
        out.status.success(),
        "nix store dump-path {path} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Two text files in the Nix store `store`, the second referring to the
/// first, made new by `salt`; returns the second's path.
pub fn nix_linked_texts(store: &str, salt: &str) -> String {
    let expr = format!(
        r#"let a = builtins.toFile "a" "A {salt}"; in builtins.toFile "b" "B uses ${{a}}""#
    );
    let out = nix(
        "nix-instantiate",
        &["--store", store, "--eval", "--read-write-mode", "-E", &expr],
    );
    out.trim().trim_matches('"').to_string()
}

/// Raw bytes of a Nix tool's stdout.
pub fn nix_bytes(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (Nix 2.8 is required for this test): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `local?root=DIR` for a scratch Nix store under `dir`.
pub fn store_uri(dir: &Path) -> String {
    format!("local?root={}", dir.display())
}

/// A small deterministic pseudo-random generator, so generated trees vary but
/// failures are reproducible.
pub struct Rng(pub u64);
impl Rng {
    /// The next number (xorshift64; the seed must not be 0).
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// `n` pseudo-random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// A `--store` argument for a scratch store under the system temp directory,
/// so no test touches the machine's own /nix. One store per test process,
/// created once: Nix 2.8 sets up a new store's state directory without
/// locking, so two first uses from parallel test threads can collide
/// ("creating symlink ... File exists").
pub fn scratch_store() -> String {
    static STORE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("xnix-store-test-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("creating scratch store directory");
            let uri = store_uri(&dir);
            nix(
                "nix-instantiate",
                &["--store", &uri, "--eval", "-E", "null"],
            );
            uri
        })
        .clone()
}

/// A string no earlier run used: it makes derivations new for the machine's
/// shared /nix/store, so that Nix really builds them.
pub fn unique_salt() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
