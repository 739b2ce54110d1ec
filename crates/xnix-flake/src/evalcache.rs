//! The evaluation cache: results of evaluating a flake's attribute (what `xnix eval`
//! printed, the derivations `xnix build` selected), keyed by the *content* of everything a
//! pure evaluation of it can see: the flake's tree (hashed, so a dirty Git tree or a plain
//! directory is cached as well as a commit), its lock file (which pins every input by
//! hash), the bundled collection, the installed Debian packages (the toolchains' identity
//! is read from dpkg's files), the xnix program, and the command's arguments. Any change
//! in any of them is a different key; nothing is ever invalidated in place.
//!
//! Like Nix's flakes, this assumes the evaluation is pure: a flake that reads files outside
//! its tree, its inputs and the collection (absolute paths, `NIX_PATH` entries) or the
//! clock is not tracked (use `--no-eval-cache`).

use std::path::{Path, PathBuf};

use xnix_formats::{Hash, HashAlgo, Hasher};

use crate::FlakeError;

/// Where cached results live: `$XDG_CACHE_HOME/xnix/eval-cache/<key>`.
#[derive(Debug, Clone)]
pub struct EvalCache {
    /// The directory.
    pub dir: PathBuf,
}

/// Builds a key from parts; each part is length-prefixed so that parts cannot run into
/// each other.
pub struct KeyBuilder(Hasher);

impl Default for KeyBuilder {
    fn default() -> Self {
        let mut h = Hasher::new(HashAlgo::Sha256);
        h.update(b"xnix-eval-cache-1\0");
        KeyBuilder(h)
    }
}

impl KeyBuilder {
    /// Add a labelled part.
    pub fn part(&mut self, label: &str, bytes: &[u8]) -> &mut Self {
        for piece in [label.as_bytes(), bytes] {
            self.0.update(&(piece.len() as u64).to_le_bytes());
            self.0.update(piece);
        }
        self
    }

    /// Add the content of a file (its SHA-256), or its absence.
    pub fn file(&mut self, label: &str, path: &Path) -> &mut Self {
        let digest = match std::fs::read(path) {
            Ok(bytes) => Hash::digest(HashAlgo::Sha256, bytes).to_base32(),
            Err(_) => "absent".to_string(),
        };
        self.part(label, digest.as_bytes())
    }

    /// Add the NAR hash of a tree.
    pub fn tree(&mut self, label: &str, path: &Path) -> Result<&mut Self, FlakeError> {
        let (h, _) = crate::fetch::hash_tree(path, &[])?;
        Ok(self.part(label, h.to_base32().as_bytes()))
    }

    /// Add the identity of the running program (size and modification time: a rebuilt
    /// xnix may evaluate differently).
    pub fn program(&mut self) -> &mut Self {
        use std::os::unix::fs::MetadataExt;
        let id = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| format!("{}:{}.{}", m.len(), m.mtime(), m.mtime_nsec()))
            .unwrap_or_default();
        self.part("program", id.as_bytes())
    }

    /// The key.
    pub fn finish(self) -> String {
        self.0.finish().to_base32()
    }
}

impl EvalCache {
    /// The cache in the default place.
    pub fn new() -> EvalCache {
        let fetcher = crate::Fetcher::new();
        let base = fetcher
            .cache_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(fetcher.cache_dir);
        EvalCache {
            dir: base.join("eval-cache"),
        }
    }

    /// The result stored under `key`, if any.
    pub fn get(&self, key: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(key)).ok()
    }

    /// Store a result (atomically: a reader sees the whole result or none). Failures are
    /// ignored: the cache only saves time.
    pub fn put(&self, key: &str, value: &str) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = self.dir.join(format!(".tmp-{}-{key}", std::process::id()));
        if std::fs::write(&tmp, value).is_ok() && std::fs::rename(&tmp, self.dir.join(key)).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

impl Default for EvalCache {
    fn default() -> Self {
        EvalCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "1").unwrap();
        let key = || {
            let mut k = KeyBuilder::default();
            k.part("x", b"y").tree("t", dir.path()).unwrap();
            k.finish()
        };
        let first = key();
        assert_eq!(first, key());
        std::fs::write(dir.path().join("a"), "2").unwrap();
        assert_ne!(first, key());
        let mut k1 = KeyBuilder::default();
        k1.part("ab", b"c");
        let mut k2 = KeyBuilder::default();
        k2.part("a", b"bc");
        assert_ne!(k1.finish(), k2.finish());

        let cache = EvalCache {
            dir: dir.path().join("cache"),
        };
        assert_eq!(cache.get(&first), None);
        cache.put(&first, "result");
        assert_eq!(cache.get(&first).as_deref(), Some("result"));
    }
}
