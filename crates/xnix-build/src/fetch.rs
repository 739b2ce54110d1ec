//! Fixed-output fetching: `mirror://` resolution, HTTP(S) and `file://`
//! downloads streamed to a temporary file while hashing, and verification
//! against the hash a derivation declares.
//!
//! The mirror table holds no host names of its own. Its `debian` entry is
//! read from the machine's APT configuration (`xnix_debian::apt`) (the archive this machine
//! already installs packages from), and every entry can be set with an
//! environment variable `XNIX_MIRROR_<NAME>` (upper case, `-` as `_`;
//! several URLs separated by white space), e.g. `XNIX_MIRROR_DEBIAN`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use xnix_formats::{ContentAddressMethod, FixedOutputHash, Hash, HashAlgo, Hasher, StorePath};
use xnix_store::LocalStore;

/// Why a fetch failed. Nothing is left at the destination in any case.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL's scheme is not one this fetcher handles.
    #[error("cannot fetch '{url}': unsupported URL scheme (supported: http, https, file, mirror)")]
    UnsupportedUrl {
        /// The URL.
        url: String,
    },
    /// A `mirror://NAME/...` URL names a mirror the table does not know.
    #[error(
        "cannot resolve '{url}': no mirror named '{name}' is configured; set {env_var} to the \
         mirror's base URL"
    )]
    UnknownMirror {
        /// The URL.
        url: String,
        /// The mirror's name.
        name: String,
        /// The environment variable that would configure it.
        env_var: String,
    },
    /// Every candidate URL failed; one line per attempt.
    #[error("cannot download '{url}':\n{}", .attempts.join("\n"))]
    Download {
        /// The URL as requested (before mirror resolution).
        url: String,
        /// What went wrong with each candidate.
        attempts: Vec<String>,
    },
    /// A locked `.deb` (`mirror://debian/pool/...`) that the archive no
    /// longer serves: Debian removes a package's old versions from the pool
    /// when it publishes new ones.
    #[error(
        "the Debian archive no longer serves '{url}' (a locked .deb replaced by a newer \
         version?):\n{}\nrefresh the lock of Debian packages with `xnix debian lock` (it \
         rewrites pkgs/debian/<suite>-<arch>.json from the archive's current indexes), then \
         build again",
        .attempts.join("\n")
    )]
    GoneFromDebianPool {
        /// The URL as requested.
        url: String,
        /// What each candidate answered.
        attempts: Vec<String>,
    },
    /// The downloaded contents do not have the declared hash.
    #[error("hash mismatch in fixed-output fetch of '{url}':\n  specified: {}\n  got:       {}", .expected.to_sri(), .actual.to_sri())]
    HashMismatch {
        /// The URL that was downloaded.
        url: String,
        /// The declared hash.
        expected: Hash,
        /// The hash of what arrived.
        actual: Hash,
    },
    /// Reading APT's configuration failed.
    #[error(transparent)]
    AptSources(#[from] xnix_debian::apt::AptError),
    /// The store refused the download.
    #[error("cannot add the download to the store: {0}")]
    Store(String),
    /// A local file system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The error.
        source: io::Error,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> FetchError {
    let context = context.into();
    move |source| FetchError::Io { context, source }
}

/// The environment variable that configures mirror `name`.
pub fn mirror_env_var(name: &str) -> String {
    format!(
        "XNIX_MIRROR_{}",
        name.to_ascii_uppercase().replace(['-', '.'], "_")
    )
}

/// Base URLs for `mirror://NAME/...` URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorTable {
    mirrors: BTreeMap<String, Vec<String>>,
}

impl MirrorTable {
    /// An empty table.
    pub fn new() -> MirrorTable {
        MirrorTable::default()
    }

    /// The table for this machine: `debian` from `XNIX_MIRROR_DEBIAN` or
    /// else the APT sources under `/`, and every other `XNIX_MIRROR_<NAME>`
    /// variable.
    pub fn from_system() -> Result<MirrorTable, FetchError> {
        MirrorTable::from_parts(
            Path::new("/"),
            &|k| std::env::var(k).ok(),
            &env_mirror_names(),
        )
    }

    /// Like [`MirrorTable::from_system`] with the APT root, the environment
    /// and the names of the mirror variables given (for tests and chroots).
    pub fn from_parts(
        apt_root: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        env_names: &[String],
    ) -> Result<MirrorTable, FetchError> {
        let mut table = MirrorTable::new();
        for name in env_names {
            if let Some(value) = env(&mirror_env_var(name)) {
                table.insert(name, value.split_whitespace().map(str::to_string).collect());
            }
        }
        let debian_override = env(&mirror_env_var("debian"));
        match debian_override {
            Some(v) if !v.trim().is_empty() => {
                table.insert("debian", v.split_whitespace().map(str::to_string).collect())
            }
            _ => {
                if let Some(url) = xnix_debian::apt::debian_mirror_from_apt(apt_root)? {
                    table.insert("debian", vec![url]);
                }
            }
        }
        Ok(table)
    }

    /// Sets the base URLs of mirror `name`, replacing earlier ones.
    pub fn insert(&mut self, name: &str, urls: Vec<String>) {
        let urls: Vec<String> = urls.into_iter().filter(|u| !u.is_empty()).collect();
        if urls.is_empty() {
            self.mirrors.remove(name);
        } else {
            self.mirrors.insert(name.to_string(), urls);
        }
    }

    /// The base URLs of mirror `name`.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.mirrors.get(name).map(Vec::as_slice)
    }

    /// The candidate URLs for `url`: for `mirror://NAME/PATH` each base URL
    /// of NAME joined with PATH, in order; any other URL as it is.
    pub fn resolve(&self, url: &str) -> Result<Vec<String>, FetchError> {
        let Some(rest) = url.strip_prefix("mirror://") else {
            return Ok(vec![url.to_string()]);
        };
        let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
        let bases = self.get(name).ok_or_else(|| FetchError::UnknownMirror {
            url: url.to_string(),
            name: name.to_string(),
            env_var: mirror_env_var(name),
        })?;
        Ok(bases
            .iter()
            .map(|base| format!("{}/{}", base.trim_end_matches('/'), path))
            .collect())
    }
}

/// Names (lower case) of the mirrors set through `XNIX_MIRROR_*` variables
/// in this process's environment.
fn env_mirror_names() -> Vec<String> {
    std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("XNIX_MIRROR_")
                .map(|n| n.to_ascii_lowercase())
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Settings for downloads.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Time allowed to connect to a server.
    pub connect_timeout: Duration,
    /// Time allowed without receiving data.
    pub read_timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// How many times to try a URL again after a failure that may pass
    /// (no connection, a dropped connection, HTTP 5xx, 408 or 429). A 404 or
    /// a wrong hash is never retried.
    pub retries: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub retry_delay: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            user_agent: format!("xnix/{}", env!("CARGO_PKG_VERSION")),
            retries: 2,
            retry_delay: Duration::from_secs(2),
        }
    }
}

/// What a successful fetch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The candidate URL that was downloaded.
    pub url: String,
    /// The hash of what was downloaded (equal to the expected one, when
    /// one was given).
    pub hash: Hash,
    /// Bytes downloaded.
    pub size: u64,
}

/// Downloads `url` (after mirror resolution with `mirrors`) to `dest`,
/// which must not exist, and verifies it against `expected`:
///
/// - flat: the hash of the file's bytes, computed while streaming;
/// - recursive: the NAR hash of the file as it ends up (executable when
///   `executable` is true), as Nix hashes a recursive fixed output.
///
/// Data is streamed to a temporary file next to `dest` and renamed into
/// place only after verification, so on any error nothing is left at
/// `dest`. Candidates are tried in order until one downloads. `on_progress`
/// receives the bytes received so far and the total when known.
pub fn fetch_url(
    url: &str,
    mirrors: &MirrorTable,
    expected: &FixedOutputHash,
    executable: bool,
    dest: &Path,
    options: &FetchOptions,
    on_progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Fetched, FetchError> {
    let how = HashRequest {
        method: expected.method,
        algo: expected.hash.algo(),
        expected: Some(&expected.hash),
    };
    fetch_hashed(url, mirrors, &how, executable, dest, options, on_progress)
}

/// How to hash a download and what to expect.
struct HashRequest<'a> {
    method: ContentAddressMethod,
    algo: HashAlgo,
    expected: Option<&'a Hash>,
}

fn fetch_hashed(
    url: &str,
    mirrors: &MirrorTable,
    how: &HashRequest<'_>,
    executable: bool,
    dest: &Path,
    options: &FetchOptions,
    on_progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Fetched, FetchError> {
    let candidates = mirrors.resolve(url)?;
    if let Some(bad) = candidates.iter().find(|c| {
        !(c.starts_with("http://") || c.starts_with("https://") || c.starts_with("file://"))
    }) {
        return Err(FetchError::UnsupportedUrl { url: bad.clone() });
    }
    let parent = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(format!("creating {}", parent.display())))?;
    let tmp = TempFile::new(dest);
    let mut attempts = Vec::new();
    for candidate in &candidates {
        match download_with_retries(candidate, &tmp.path, how.algo, options, on_progress) {
            Ok((flat_hash, size)) => {
                if executable {
                    fs::set_permissions(&tmp.path, fs::Permissions::from_mode(0o755))
                        .map_err(io_err(format!("making {} executable", tmp.path.display())))?;
                }
                let actual = match how.method {
                    ContentAddressMethod::Flat => flat_hash,
                    ContentAddressMethod::Recursive => {
                        xnix_fs::nar::nar_hash_with(&tmp.path, how.algo)
                            .map_err(|e| FetchError::Io {
                                context: format!("hashing {}", tmp.path.display()),
                                source: io::Error::other(e.to_string()),
                            })?
                            .0
                    }
                };
                if let Some(expected) = how.expected {
                    if actual != *expected {
                        return Err(FetchError::HashMismatch {
                            url: candidate.clone(),
                            expected: expected.clone(),
                            actual,
                        });
                    }
                }
                tmp.persist(dest)?;
                return Ok(Fetched {
                    url: candidate.clone(),
                    hash: actual,
                    size,
                });
            }
            Err(message) => attempts.push(format!("  {candidate}: {message}")),
        }
    }
    let not_found =
        |a: &String| a.contains("HTTP 404") || a.contains("HTTP 410") || a.contains("No such file");
    if url.starts_with("mirror://debian/pool/")
        && !attempts.is_empty()
        && attempts.iter().all(not_found)
    {
        return Err(FetchError::GoneFromDebianPool {
            url: url.to_string(),
            attempts,
        });
    }
    Err(FetchError::Download {
        url: url.to_string(),
        attempts,
    })
}

/// Downloads `url` (after mirror resolution) and returns its bytes, for
/// small files the caller checks itself (e.g. an archive's indexes, whose
/// hashes its `Release` file lists).
pub fn download_bytes(
    url: &str,
    mirrors: &MirrorTable,
    options: &FetchOptions,
) -> Result<Vec<u8>, FetchError> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dest = std::env::temp_dir().join(format!("xnix-download-{}-{n}", std::process::id()));
    let how = HashRequest {
        method: ContentAddressMethod::Flat,
        algo: HashAlgo::Sha256,
        expected: None,
    };
    fetch_hashed(url, mirrors, &how, false, &dest, options, &mut |_, _| {})?;
    let bytes = fs::read(&dest).map_err(io_err(format!("reading {}", dest.display())));
    let _ = fs::remove_file(&dest);
    bytes
}

/// Downloads `url` into `store` as the fixed-output path `name`, the way
/// `nix-prefetch-url` and `builtins.fetchurl` do: hashed with `method` and
/// the algorithm of `expected` (SHA-256 when no hash is expected), checked
/// against `expected` when given, and added only when it matches. Returns
/// the store path and the hash.
#[allow(clippy::too_many_arguments)]
pub fn fetch_to_store(
    store: &LocalStore,
    name: &str,
    url: &str,
    method: ContentAddressMethod,
    expected: Option<&Hash>,
    executable: bool,
    mirrors: &MirrorTable,
    options: &FetchOptions,
) -> Result<(StorePath, Hash), FetchError> {
    let algo = expected.map_or(HashAlgo::Sha256, Hash::algo);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = store
        .state_dir()
        .join("builds")
        .join(format!("xnix-fetch-{}-{n}", std::process::id()));
    fs::create_dir_all(&dir).map_err(io_err(format!("creating {}", dir.display())))?;
    let result = (|| {
        let file = dir.join("download");
        let how = HashRequest {
            method,
            algo,
            expected,
        };
        let fetched = fetch_hashed(
            url,
            mirrors,
            &how,
            executable,
            &file,
            options,
            &mut |_, _| {},
        )?;
        let (path, hash) = store
            .add_to_store_fixed(name, &file, method, algo)
            .map_err(|e| FetchError::Store(e.to_string()))?;
        debug_assert_eq!(hash, fetched.hash);
        Ok((path, hash))
    })();
    let _ = crate::sandbox::remove_tree(&dir);
    result
}

/// A temporary file next to a destination, removed unless persisted.
struct TempFile {
    path: PathBuf,
    persisted: std::cell::Cell<bool>,
}

impl TempFile {
    fn new(dest: &Path) -> TempFile {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dest.with_file_name(format!(".{name}.xnix-fetch-{}-{n}", std::process::id()));
        TempFile {
            path,
            persisted: std::cell::Cell::new(false),
        }
    }

    fn persist(&self, dest: &Path) -> Result<(), FetchError> {
        fs::rename(&self.path, dest).map_err(io_err(format!(
            "moving {} to {}",
            self.path.display(),
            dest.display()
        )))?;
        self.persisted.set(true);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted.get() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Downloads one candidate URL to `tmp`, returning the flat hash (with the
/// expected algorithm) and size. Errors are messages for the attempt list.
/// Why one download attempt failed, and whether trying again may help.
struct DownloadFailure {
    message: String,
    transient: bool,
}

impl DownloadFailure {
    /// A failure that another attempt will meet again.
    fn permanent(message: String) -> Self {
        DownloadFailure {
            message,
            transient: false,
        }
    }

    /// A failure of the network or the server that may pass.
    fn transient(message: String) -> Self {
        DownloadFailure {
            message,
            transient: true,
        }
    }
}

/// [`download_one`], tried again after failures that may pass (a mirror
/// restarting, a dropped connection), with a doubling wait between tries.
/// Returns the last failure's message, saying how many tries were made.
fn download_with_retries(
    url: &str,
    tmp: &Path,
    algo: HashAlgo,
    options: &FetchOptions,
    on_progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(Hash, u64), String> {
    let mut delay = options.retry_delay;
    let mut tries = 1;
    loop {
        match download_one(url, tmp, algo, options, on_progress) {
            Ok(done) => return Ok(done),
            Err(failure) if failure.transient && tries <= options.retries => {
                std::thread::sleep(delay);
                delay *= 2;
                tries += 1;
            }
            Err(failure) if tries > 1 => {
                return Err(format!("{} (after {tries} tries)", failure.message))
            }
            Err(failure) => return Err(failure.message),
        }
    }
}

fn download_one(
    url: &str,
    tmp: &Path,
    algo: HashAlgo,
    options: &FetchOptions,
    on_progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(Hash, u64), DownloadFailure> {
    let (reader, total): (Box<dyn Read>, Option<u64>) =
        if let Some(rest) = url.strip_prefix("file://") {
            let path = percent_decode(rest.strip_prefix("localhost").unwrap_or(rest));
            let file = fs::File::open(&path)
                .map_err(|e| DownloadFailure::permanent(format!("cannot open {path}: {e}")))?;
            let len = file.metadata().ok().map(|m| m.len());
            (Box::new(file), len)
        } else if url.starts_with("http://") || url.starts_with("https://") {
            let agent = ureq::AgentBuilder::new()
                .timeout_connect(options.connect_timeout)
                .timeout_read(options.read_timeout)
                .user_agent(&options.user_agent)
                .build();
            let response = agent.get(url).call().map_err(|e| match e {
                ureq::Error::Status(code, resp) => {
                    let message = format!("server answered HTTP {code} {}", resp.status_text());
                    if code >= 500 || code == 408 || code == 429 {
                        DownloadFailure::transient(message)
                    } else {
                        DownloadFailure::permanent(message)
                    }
                }
                ureq::Error::Transport(t) => DownloadFailure::transient(t.to_string()),
            })?;
            let total = response
                .header("Content-Length")
                .and_then(|v| v.parse().ok());
            (Box::new(response.into_reader()), total)
        } else {
            return Err(DownloadFailure::permanent(
                "unsupported URL scheme (supported: http, https, file, mirror)".to_string(),
            ));
        };

    let _ = fs::remove_file(tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(|e| DownloadFailure::permanent(format!("cannot create {}: {e}", tmp.display())))?;
    let mut hasher = Hasher::new(algo);
    let mut reader = reader;
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(DownloadFailure::transient(format!(
                    "reading failed after {size} bytes: {e}"
                )))
            }
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|e| {
            DownloadFailure::permanent(format!("cannot write {}: {e}", tmp.display()))
        })?;
        size += n as u64;
        on_progress(size, total);
    }
    if let Some(total) = total {
        if size != total {
            return Err(DownloadFailure::transient(format!(
                "connection closed after {size} of {total} bytes"
            )));
        }
    }
    file.sync_all()
        .map_err(|e| DownloadFailure::permanent(format!("cannot write {}: {e}", tmp.display())))?;
    Ok((hasher.finish(), size))
}

/// Decodes `%XX` escapes in the path of a `file://` URL.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b/c%2"), "/a b/c%2");
        assert_eq!(percent_decode("/plain"), "/plain");
    }
}
