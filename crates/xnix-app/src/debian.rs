//! Refreshing the collection's lock of Debian packages (`xnix debian lock`):
//! the lock's logic is `xnix_debian::lock`; this module supplies what it
//! needs from the machine (the collection's directory, the APT mirror,
//! downloads) and writes the lock files.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xnix_build::fetch::{download_bytes, FetchOptions, MirrorTable};
use xnix_debian::lock::{Lock, LockConfig};
use xnix_debian::signature::Keyrings;

/// What happened to one architecture's lock file.
#[derive(Debug, Clone)]
pub struct LockReport {
    /// The Debian architecture (`amd64`, `arm64`, ...).
    pub architecture: String,
    /// The lock file.
    pub file: PathBuf,
    /// How many packages it pins.
    pub packages: usize,
    /// The size of all its `.deb` files, in bytes.
    pub bytes: u64,
    /// The changes against the file as it was, one line each.
    pub changes: Vec<String>,
    /// Whether the file already held exactly this lock.
    pub up_to_date: bool,
    /// Whether the file was (re)written.
    pub written: bool,
}

/// The collection's `pkgs/debian` directory.
pub fn default_lock_dir() -> anyhow::Result<PathBuf> {
    crate::installable::find_pkgs()
        .map(|p| p.join("debian"))
        .context("cannot find the collection's pkgs/ directory; pass --dir")
}

/// The keys a suite's `InRelease` must be signed by: the keyrings named in
/// `XNIX_DEBIAN_KEYRING` (colon-separated; for a mirror of another archive
/// or a local test archive), otherwise APT's trusted keys on this machine.
pub fn trusted_keyrings() -> Keyrings {
    match std::env::var_os("XNIX_DEBIAN_KEYRING") {
        Some(list) if !list.is_empty() => {
            Keyrings::from_files(std::env::split_paths(&list).collect())
        }
        _ => Keyrings::from_apt(Path::new("/")),
    }
}

/// Resolve `dir/roots.json` against the archive's current indexes (fetched
/// through the machine's APT mirror, each announced to `on_fetch`, each
/// suite's `InRelease` checked against [`trusted_keyrings`]) for
/// `arches` (all of the configuration's when empty). Unless `check_only`,
/// every lock that changed is replaced atomically (a complete temporary
/// file renamed over it), so an interrupted refresh leaves the old lock.
pub fn refresh_locks(
    dir: &Path,
    arches: &[String],
    check_only: bool,
    on_fetch: &mut dyn FnMut(&str),
) -> anyhow::Result<Vec<LockReport>> {
    let config_path = dir.join("roots.json");
    let shown = config_path.display().to_string();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("reading {shown} (what to lock)"))?;
    let config = LockConfig::parse(&text, &shown)?;
    let mirrors = MirrorTable::from_system()?;
    let options = FetchOptions::default();
    let mut fetch = |path: &str| {
        on_fetch(path);
        download_bytes(&format!("mirror://debian/{path}"), &mirrors, &options)
            .map_err(|e| e.to_string())
    };
    let keyrings = trusted_keyrings();
    let locks = config.refresh(arches, &shown, &mut fetch, &keyrings)?;
    let mut reports = Vec::new();
    for lock in &locks {
        let file = dir.join(config.lock_file_name(&lock.architecture));
        let old = match std::fs::read_to_string(&file) {
            Ok(t) => Some(
                Lock::from_json(&t)
                    .with_context(|| format!("reading the lock {}", file.display()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => bail!("reading the lock {}: {e}", file.display()),
        };
        let changes = match &old {
            Some(old) => lock.diff(old),
            None => vec![format!("new lock with {} packages", lock.packages.len())],
        };
        let up_to_date = old.as_ref().is_some_and(|o| o.to_json() == lock.to_json());
        let written = !check_only && !up_to_date;
        if written {
            let json = lock.to_json();
            xnix_fs::ops::write_atomically(&file, &mut |f| {
                std::io::Write::write_all(f, json.as_bytes())
            })
            .with_context(|| format!("writing the lock {}", file.display()))?;
        }
        reports.push(LockReport {
            architecture: lock.architecture.clone(),
            file,
            packages: lock.packages.len(),
            bytes: lock.packages.iter().map(|e| e.size).sum(),
            changes,
            up_to_date,
            written,
        });
    }
    Ok(reports)
}
