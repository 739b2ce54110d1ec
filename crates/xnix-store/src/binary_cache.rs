//! Binary caches in Nix's layout: copying store paths (with their closures)
//! from the local store into a cache, and from a cache into the local store.
//!
//! A cache is a tree of files:
//!
//! ```text
//! nix-cache-info            StoreDir: /nix/store, WantMassQuery: 1, Priority: 30
//! <hashpart>.narinfo        one per store path (see [`xnix_formats::narinfo`])
//! nar/<filehash>.nar.xz     the path's NAR, compressed (or `.nar` uncompressed)
//! ```
//!
//! The files are reached through a [`CacheBackend`]: [`FileBackend`] for
//! `file://DIR` here; read-only HTTP lives in `xnix-build`, which owns the
//! HTTP client.
//!
//! Two invariants hold whatever happens part-way (a crash, a full disk, a
//! refused path):
//!
//! - **Never a narinfo before its references.** Pushing walks the closure
//!   references first and writes a path's NAR before its narinfo; every file
//!   is written to a temporary name and renamed, so a file under a final
//!   name is always complete.
//! - **Nothing registered unverified.** Pulling first fetches every narinfo
//!   of the closure and checks its signatures (unless the caller disables
//!   that) and that every reference is available; then each NAR's file hash,
//!   NAR hash and NAR size are checked (by [`LocalStore::import_nar`]) before
//!   the path is registered, references first.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;
use xnix_fs::io_err;
use xnix_fs::ops::{self, FsError};

use crate::local::{LocalStore, LocalStoreError, ValidPathInfo};
use xnix_formats::hash::{HashAlgo, HashingWriter};
use xnix_formats::narinfo::{NarInfo, NarInfoError};
use xnix_formats::path::{StoreDir, StorePath};
use xnix_formats::refscan::Tee;
use xnix_formats::signing::{fingerprint, verify_any, PublicKey, SecretKey};

/// The file that describes a cache.
pub const CACHE_INFO_FILE: &str = "nix-cache-info";

/// An error while reading or writing a binary cache.
#[derive(Debug, Error)]
pub enum BinaryCacheError {
    /// A file of the cache could not be read or written (what, which file, why).
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The cache URL is not one this library handles.
    #[error("unsupported binary cache URL '{0}' (use file:///DIR, or http(s)://HOST/... to read)")]
    UnsupportedUrl(String),
    /// A transport (e.g. HTTP) failed.
    #[error("binary cache '{url}': {message}")]
    Transport {
        /// The cache.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The cache cannot be written (e.g. HTTP).
    #[error("binary cache '{0}' is read-only")]
    ReadOnly(String),
    /// `nix-cache-info` is malformed.
    #[error("binary cache '{url}': bad {CACHE_INFO_FILE}: {message}")]
    BadCacheInfo {
        /// The cache.
        url: String,
        /// Why.
        message: String,
    },
    /// The cache holds paths of another store directory.
    #[error("binary cache '{url}' is for store directory '{cache}', but the local store is '{local}' (use --store-dir {cache})")]
    StoreDirMismatch {
        /// The cache.
        url: String,
        /// The cache's `StoreDir`.
        cache: String,
        /// The local store's directory.
        local: String,
    },
    /// A `.narinfo` does not parse.
    #[error("binary cache '{url}': {file}: {source}")]
    BadNarInfo {
        /// The cache.
        url: String,
        /// The narinfo file.
        file: String,
        /// The parse error.
        source: NarInfoError,
    },
    /// A `.narinfo` describes another path than its name says.
    #[error("binary cache '{url}': {file} describes '{found}', not '{expected}'")]
    NarInfoMismatch {
        /// The cache.
        url: String,
        /// The narinfo file.
        file: String,
        /// The path asked for.
        expected: String,
        /// The path it describes.
        found: String,
    },
    /// A path (or a reference of one) is not in the cache.
    #[error("binary cache '{url}' does not have '{path}'{}", needed_by.as_ref().map(|p| format!(" (a reference of '{p}')")).unwrap_or_default())]
    NotInCache {
        /// The cache.
        url: String,
        /// The missing path.
        path: String,
        /// The path that refers to it, if it was not asked for directly.
        needed_by: Option<String>,
    },
    /// No signature of a path verifies with a trusted key.
    #[error("'{path}' from '{url}' has no valid signature by a trusted key (signatures: {}; trusted keys: {}); pass its key with --trusted-key, or --no-check-sigs to accept unsigned paths", if sigs.is_empty() { "none".to_string() } else { sigs.join(", ") }, if trusted.is_empty() { "none".to_string() } else { trusted.join(", ") })]
    Untrusted {
        /// The cache.
        url: String,
        /// The path.
        path: String,
        /// The key names of its signatures.
        sigs: Vec<String>,
        /// The names of the trusted keys.
        trusted: Vec<String>,
    },
    /// The NAR file is not what its narinfo says.
    #[error(
        "NAR file '{file}' of '{path}' in '{url}' is corrupt: expected {expected}, got {actual}"
    )]
    FileMismatch {
        /// The cache.
        url: String,
        /// The store path.
        path: String,
        /// The NAR file.
        file: String,
        /// The announced file hash and size.
        expected: String,
        /// What the file holds.
        actual: String,
    },
    /// The NAR file named by a narinfo is absent.
    #[error("binary cache '{url}': NAR file '{file}' of '{path}' is missing")]
    NarFileMissing {
        /// The cache.
        url: String,
        /// The store path.
        path: String,
        /// The NAR file.
        file: String,
    },
    /// A compression method this library cannot read.
    #[error("'{path}' in '{url}' uses compression '{compression}', which xnix cannot read (xz and none are supported)")]
    UnsupportedCompression {
        /// The cache.
        url: String,
        /// The store path.
        path: String,
        /// The method.
        compression: String,
    },
    /// A compression method name on the command line is unknown.
    #[error("unknown compression '{0}' (use xz or none)")]
    UnknownCompression(String),
    /// A local path's contents do not match its registration.
    #[error("local path '{path}' is corrupt: registered as {registered}, its NAR is {actual} (run `xnix store verify --check-contents`)")]
    LocalCorrupt {
        /// The store path.
        path: String,
        /// The registered hash and size.
        registered: String,
        /// What the contents hash to.
        actual: String,
    },
    /// The local store failed (including a NAR that does not match its
    /// narinfo's NarHash / NarSize, or a missing reference).
    #[error(transparent)]
    Store(#[from] LocalStoreError),
}

type Result<T, E = BinaryCacheError> = std::result::Result<T, E>;

/// Access to a cache's files by relative name (`nix-cache-info`,
/// `abc.narinfo`, `nar/xyz.nar.xz`).
pub trait CacheBackend: Send + Sync {
    /// The cache's URL, for messages.
    fn url(&self) -> String;
    /// The file's bytes, or `None` if it does not exist.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Whether the file exists.
    fn exists(&self, name: &str) -> Result<bool> {
        Ok(self.get(name)?.is_some())
    }
    /// Write the file so that it appears complete or not at all (the
    /// default refuses: the backend is read-only).
    fn put(&self, name: &str, data: &[u8]) -> Result<()> {
        let _ = (name, data);
        Err(BinaryCacheError::ReadOnly(self.url()))
    }
    /// A reader over the file, or `None` if it does not exist. The default
    /// reads it whole through [`Self::get`]; backends override it to stream.
    fn open(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>> {
        Ok(self
            .get(name)?
            .map(|b| Box::new(io::Cursor::new(b)) as Box<dyn Read>))
    }
    /// Write the file from the local file `src`, with [`Self::put`]'s
    /// atomicity. The default reads `src` whole and calls `put`.
    fn put_file(&self, name: &str, src: &Path) -> Result<()> {
        let data = fs::read(src).map_err(io_err("reading", src))?;
        self.put(name, &data)
    }
}

/// A scratch file in the system's temporary directory, removed when dropped
/// (NARs pass through these instead of memory).
struct ScratchFile {
    path: PathBuf,
}

impl ScratchFile {
    fn create() -> Result<(ScratchFile, fs::File)> {
        let path = std::env::temp_dir().join(format!(
            "xnix-cache-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_err("creating scratch file", &path))?;
        Ok((ScratchFile { path }, file))
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A cache in a local directory (`file://DIR`).
#[derive(Debug, Clone)]
pub struct FileBackend {
    dir: PathBuf,
}

impl FileBackend {
    /// A backend for `dir` (not created until written).
    pub fn new(dir: impl Into<PathBuf>) -> FileBackend {
        FileBackend { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl CacheBackend for FileBackend {
    fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.file(name);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("reading", &path)(e).into()),
        }
    }

    fn exists(&self, name: &str) -> Result<bool> {
        let path = self.file(name);
        match fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err("checking", &path)(e).into()),
        }
    }

    /// Written to a hidden temporary beside the final name, flushed to disk,
    /// then renamed: readers never see a partial file under the final name.
    fn put(&self, name: &str, data: &[u8]) -> Result<()> {
        Ok(ops::write_atomically(&self.file(name), &mut |f| {
            f.write_all(data)
        })?)
    }

    fn open(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>> {
        let path = self.file(name);
        match fs::File::open(&path) {
            Ok(f) => Ok(Some(Box::new(io::BufReader::new(f)))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("reading", &path)(e).into()),
        }
    }

    fn put_file(&self, name: &str, src: &Path) -> Result<()> {
        let mut from = fs::File::open(src).map_err(io_err("reading", src))?;
        Ok(ops::write_atomically(&self.file(name), &mut |f| {
            io::copy(&mut from, f).map(|_| ())
        })?)
    }
}

/// How NAR files are compressed when pushing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// xz (LZMA2), as Nix does by default for file caches.
    #[default]
    Xz,
    /// Uncompressed.
    None,
}

impl Compression {
    /// Parse `xz` or `none`.
    pub fn parse(name: &str) -> Result<Compression> {
        match name {
            "xz" => Ok(Compression::Xz),
            "none" => Ok(Compression::None),
            other => Err(BinaryCacheError::UnknownCompression(other.to_string())),
        }
    }

    /// The narinfo `Compression:` value.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Xz => "xz",
            Compression::None => "none",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Compression::Xz => ".nar.xz",
            Compression::None => ".nar",
        }
    }
}

/// The contents of `nix-cache-info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The store directory of the cache's paths.
    pub store_dir: String,
    /// Whether clients may query many paths at once.
    pub want_mass_query: bool,
    /// Lower is preferred among substituters.
    pub priority: Option<u32>,
}

impl CacheInfo {
    /// Parse `Key: value` lines; unknown keys are ignored.
    pub fn parse(text: &str) -> std::result::Result<CacheInfo, String> {
        let mut store_dir = None;
        let mut want_mass_query = false;
        let mut priority = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| format!("line {}: expected 'Key: value', found '{line}'", i + 1))?;
            let v = v.trim();
            match k {
                "StoreDir" => store_dir = Some(v.to_string()),
                "WantMassQuery" => want_mass_query = v == "1",
                "Priority" => {
                    priority = Some(
                        v.parse()
                            .map_err(|_| format!("line {}: bad Priority '{v}'", i + 1))?,
                    )
                }
                _ => {}
            }
        }
        Ok(CacheInfo {
            store_dir: store_dir.ok_or("no StoreDir line")?,
            want_mass_query,
            priority,
        })
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut s = format!("StoreDir: {}\n", self.store_dir);
        s.push_str(&format!(
            "WantMassQuery: {}\n",
            if self.want_mass_query { 1 } else { 0 }
        ));
        if let Some(p) = self.priority {
            s.push_str(&format!("Priority: {p}\n"));
        }
        s
    }
}

/// Options of [`BinaryCache::push`].
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// How to compress NAR files.
    pub compression: Compression,
    /// Sign each narinfo with this key (kept alongside the path's existing signatures).
    pub sign_key: Option<SecretKey>,
}

/// Options of [`BinaryCache::pull`].
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Keys whose signatures are accepted.
    pub trusted_keys: Vec<PublicKey>,
    /// Accept paths without a valid trusted signature (the user said so).
    pub no_check_sigs: bool,
}

/// What happened to one path during a copy, for progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyEvent {
    /// The copy will consider `total` paths (the closure).
    Planned {
        /// Number of paths in the closure.
        total: usize,
    },
    /// A path is being copied.
    Copying {
        /// The path.
        path: StorePath,
        /// 1-based position among the paths that need copying.
        index: usize,
        /// How many need copying.
        of: usize,
    },
    /// A path was already present at the destination.
    Present {
        /// The path.
        path: StorePath,
    },
    /// A path was copied.
    Copied {
        /// The path.
        path: StorePath,
        /// NAR size (uncompressed).
        nar_size: u64,
        /// Size of the transferred file.
        file_size: u64,
    },
}

/// The outcome of a push or pull.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Paths copied, references first.
    pub copied: Vec<StorePath>,
    /// Paths that were already at the destination.
    pub present: Vec<StorePath>,
}

/// A binary cache reached through a backend.
pub struct BinaryCache {
    backend: Box<dyn CacheBackend>,
    store_dir: StoreDir,
    info: CacheInfo,
}

impl std::fmt::Debug for BinaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BinaryCache({})", self.backend.url())
    }
}

/// Split a cache URL into its `file://` directory and its query
/// parameters; `None` for other schemes.
pub fn parse_file_url(url: &str) -> Result<Option<(PathBuf, BTreeMap<String, String>)>> {
    let Some(rest) = url.strip_prefix("file://") else {
        return Ok(None);
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !path.starts_with('/') {
        return Err(BinaryCacheError::UnsupportedUrl(url.to_string()));
    }
    let params = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    Ok(Some((PathBuf::from(path), params)))
}

impl BinaryCache {
    /// Open the cache at `backend` for reading. Its `nix-cache-info` must
    /// exist and name `store_dir`.
    pub fn open(backend: Box<dyn CacheBackend>, store_dir: &StoreDir) -> Result<BinaryCache> {
        let url = backend.url();
        let text = backend
            .get(CACHE_INFO_FILE)?
            .ok_or_else(|| BinaryCacheError::BadCacheInfo {
                url: url.clone(),
                message: format!("there is no {CACHE_INFO_FILE}: is this a binary cache?"),
            })?;
        let info = CacheInfo::parse(&String::from_utf8_lossy(&text)).map_err(|message| {
            BinaryCacheError::BadCacheInfo {
                url: url.clone(),
                message,
            }
        })?;
        Self::with_info(backend, store_dir, info)
    }

    /// Open the cache at `backend` for writing, creating `nix-cache-info`
    /// if it is absent.
    pub fn create(backend: Box<dyn CacheBackend>, store_dir: &StoreDir) -> Result<BinaryCache> {
        if !backend.exists(CACHE_INFO_FILE)? {
            let info = CacheInfo {
                store_dir: store_dir.as_str().to_string(),
                want_mass_query: true,
                priority: Some(30),
            };
            backend.put(CACHE_INFO_FILE, info.to_text().as_bytes())?;
        }
        Self::open(backend, store_dir)
    }

    /// Open a `file://DIR` cache (creating it when `for_writing`). Query
    /// parameters (`?compression=...`) are left to the caller.
    pub fn open_url(url: &str, store_dir: &StoreDir, for_writing: bool) -> Result<BinaryCache> {
        let (dir, _params) = parse_file_url(url)?
            .ok_or_else(|| BinaryCacheError::UnsupportedUrl(url.to_string()))?;
        let backend = Box::new(FileBackend::new(dir));
        if for_writing {
            Self::create(backend, store_dir)
        } else {
            Self::open(backend, store_dir)
        }
    }

    fn with_info(
        backend: Box<dyn CacheBackend>,
        store_dir: &StoreDir,
        info: CacheInfo,
    ) -> Result<BinaryCache> {
        if info.store_dir != store_dir.as_str() {
            return Err(BinaryCacheError::StoreDirMismatch {
                url: backend.url(),
                cache: info.store_dir,
                local: store_dir.as_str().to_string(),
            });
        }
        Ok(BinaryCache {
            backend,
            store_dir: store_dir.clone(),
            info,
        })
    }

    /// The cache's URL.
    pub fn url(&self) -> String {
        self.backend.url()
    }

    /// The cache's `nix-cache-info`.
    pub fn info(&self) -> &CacheInfo {
        &self.info
    }

    fn narinfo_name(path: &StorePath) -> String {
        format!("{}.narinfo", path.hash_part())
    }

    /// Whether the cache has a narinfo for `path`.
    pub fn has_path(&self, path: &StorePath) -> Result<bool> {
        self.backend.exists(&Self::narinfo_name(path))
    }

    /// The narinfo for `path`, if the cache has one. It must describe `path`.
    pub fn query_narinfo(&self, path: &StorePath) -> Result<Option<NarInfo>> {
        let file = Self::narinfo_name(path);
        let Some(bytes) = self.backend.get(&file)? else {
            return Ok(None);
        };
        let ni = NarInfo::parse(&self.store_dir, &String::from_utf8_lossy(&bytes)).map_err(
            |source| BinaryCacheError::BadNarInfo {
                url: self.url(),
                file: file.clone(),
                source,
            },
        )?;
        if ni.store_path != *path {
            return Err(BinaryCacheError::NarInfoMismatch {
                url: self.url(),
                file,
                expected: self.store_dir.print(path),
                found: self.store_dir.print(&ni.store_path),
            });
        }
        Ok(Some(ni))
    }

    /// The fingerprint a signature of `ni` signs.
    pub fn narinfo_fingerprint(&self, ni: &NarInfo) -> String {
        fingerprint(
            &self.store_dir,
            &ni.store_path,
            &ni.nar_hash,
            ni.nar_size,
            &ni.references.iter().cloned().collect(),
        )
    }

    /// Whether `ni` carries a valid signature by one of `keys`.
    pub fn is_trusted(&self, ni: &NarInfo, keys: &[PublicKey]) -> bool {
        verify_any(keys, &self.narinfo_fingerprint(ni), &ni.sigs)
    }

    /// Copy `paths` and their closures from `store` into the cache,
    /// references first, skipping paths the cache already has.
    pub fn push(
        &self,
        store: &LocalStore,
        paths: &BTreeSet<StorePath>,
        options: &PushOptions,
        progress: &mut dyn FnMut(CopyEvent),
    ) -> Result<CopyReport> {
        let closure = store.closure(paths)?;
        let mut refs = BTreeMap::new();
        let mut infos = BTreeMap::new();
        for p in &closure {
            let info = store
                .query_path_info(p)?
                .ok_or_else(|| LocalStoreError::NotValid(store.full_path(p)))?;
            refs.insert(p.clone(), info.references.clone());
            infos.insert(p.clone(), info);
        }
        let order = references_first(&refs);
        progress(CopyEvent::Planned { total: order.len() });
        let mut report = CopyReport::default();
        let mut todo = Vec::new();
        for p in order {
            if self.has_path(&p)? {
                progress(CopyEvent::Present { path: p.clone() });
                report.present.push(p);
            } else {
                todo.push(p);
            }
        }
        let of = todo.len();
        for (i, p) in todo.into_iter().enumerate() {
            progress(CopyEvent::Copying {
                path: p.clone(),
                index: i + 1,
                of,
            });
            let file_size = self.push_one(store, &infos[&p], options)?;
            progress(CopyEvent::Copied {
                path: p.clone(),
                nar_size: infos[&p].nar_size,
                file_size,
            });
            report.copied.push(p);
        }
        Ok(report)
    }

    /// Write one path's NAR file, then its narinfo. Its references must be
    /// in the cache already. Returns the NAR file's size.
    fn push_one(
        &self,
        store: &LocalStore,
        info: &ValidPathInfo,
        options: &PushOptions,
    ) -> Result<u64> {
        let printed = store.print_path(&info.path);
        // Dump, hash (to catch a corrupted local path) and compress in one pass.
        let mut nar_hasher = HashingWriter::new(HashAlgo::Sha256);
        let (scratch, scratch_file) = ScratchFile::create()?;
        let mut file_hasher = HashingWriter::new(HashAlgo::Sha256);
        {
            let mut out = io::BufWriter::with_capacity(1 << 16, scratch_file);
            let mut sink = Tee(&mut file_hasher, &mut out);
            match options.compression {
                Compression::None => {
                    store.export_nar(&info.path, Tee(&mut nar_hasher, &mut sink))?;
                }
                Compression::Xz => {
                    let mut enc = xz2::write::XzEncoder::new(&mut sink, 6);
                    store.export_nar(&info.path, Tee(&mut nar_hasher, &mut enc))?;
                    enc.finish().map_err(|source| {
                        FsError::new("compressing the NAR of", &printed, source)
                    })?;
                }
            }
            out.flush().map_err(io_err("writing", &scratch.path))?;
        }
        let (file_hash, file_size) = file_hasher.finish();
        let (nar_hash, nar_size) = nar_hasher.finish();
        let registered_hash = if info.nar_hash.algo() == HashAlgo::Sha256 {
            info.nar_hash.clone()
        } else {
            nar_hash.clone()
        };
        if nar_hash != registered_hash || nar_size != info.nar_size {
            return Err(BinaryCacheError::LocalCorrupt {
                path: printed,
                registered: format!("{} ({} bytes)", info.nar_hash, info.nar_size),
                actual: format!("{nar_hash} ({nar_size} bytes)"),
            });
        }
        let url = format!(
            "nar/{}{}",
            file_hash.to_base32(),
            options.compression.extension()
        );
        if !self.backend.exists(&url)? {
            self.backend.put_file(&url, &scratch.path)?;
        }
        let mut sigs = info.sigs.clone();
        if let Some(key) = &options.sign_key {
            let fp = fingerprint(
                &self.store_dir,
                &info.path,
                &nar_hash,
                nar_size,
                &info.references,
            );
            let sig = key.sign(&fp);
            if !sigs.contains(&sig) {
                sigs.push(sig);
            }
        }
        let ni = NarInfo {
            store_path: info.path.clone(),
            url,
            compression: Some(options.compression.name().to_string()),
            file_hash: Some(file_hash),
            file_size: Some(file_size),
            nar_hash,
            nar_size,
            references: info.references.iter().cloned().collect(),
            deriver: info.deriver.clone(),
            sigs,
            ca: info.ca.clone(),
        };
        self.backend.put(
            &Self::narinfo_name(&info.path),
            ni.to_text(&self.store_dir).as_bytes(),
        )?;
        Ok(file_size)
    }

    /// The narinfos of `paths` and of everything they refer to that `store`
    /// does not have yet, each checked (signature unless
    /// `options.no_check_sigs`) before anything is imported.
    pub fn plan_pull(
        &self,
        store: &LocalStore,
        paths: &BTreeSet<StorePath>,
        options: &PullOptions,
    ) -> Result<BTreeMap<StorePath, NarInfo>> {
        let mut found: BTreeMap<StorePath, NarInfo> = BTreeMap::new();
        let mut queue: Vec<(StorePath, Option<StorePath>)> =
            paths.iter().map(|p| (p.clone(), None)).collect();
        while let Some((p, needed_by)) = queue.pop() {
            if found.contains_key(&p) || store.is_valid_path(&p)? {
                continue;
            }
            let ni = self
                .query_narinfo(&p)?
                .ok_or_else(|| BinaryCacheError::NotInCache {
                    url: self.url(),
                    path: self.store_dir.print(&p),
                    needed_by: needed_by.as_ref().map(|n| self.store_dir.print(n)),
                })?;
            if !options.no_check_sigs && !self.is_trusted(&ni, &options.trusted_keys) {
                return Err(BinaryCacheError::Untrusted {
                    url: self.url(),
                    path: self.store_dir.print(&p),
                    sigs: ni
                        .sigs
                        .iter()
                        .map(|s| s.split(':').next().unwrap_or("").to_string())
                        .collect(),
                    trusted: options
                        .trusted_keys
                        .iter()
                        .map(|k| k.name().to_string())
                        .collect(),
                });
            }
            for r in &ni.references {
                if *r != p {
                    queue.push((r.clone(), Some(p.clone())));
                }
            }
            found.insert(p, ni);
        }
        Ok(found)
    }

    /// Copy `paths` and their closures from the cache into `store`,
    /// references first. Paths `store` already has are left alone. Every
    /// narinfo is fetched and checked before the first import; each NAR is
    /// checked before its path is registered.
    pub fn pull(
        &self,
        store: &LocalStore,
        paths: &BTreeSet<StorePath>,
        options: &PullOptions,
        progress: &mut dyn FnMut(CopyEvent),
    ) -> Result<CopyReport> {
        let plan = self.plan_pull(store, paths, options)?;
        let mut report = CopyReport::default();
        let mut closure_present = BTreeSet::new();
        for p in paths {
            if !plan.contains_key(p) {
                closure_present.insert(p.clone());
            }
        }
        let refs: BTreeMap<StorePath, BTreeSet<StorePath>> = plan
            .iter()
            .map(|(p, ni)| {
                (
                    p.clone(),
                    ni.references
                        .iter()
                        .filter(|r| plan.contains_key(*r))
                        .cloned()
                        .collect(),
                )
            })
            .collect();
        let order = references_first(&refs);
        progress(CopyEvent::Planned {
            total: order.len() + closure_present.len(),
        });
        for p in closure_present {
            progress(CopyEvent::Present { path: p.clone() });
            report.present.push(p);
        }
        let of = order.len();
        for (i, p) in order.into_iter().enumerate() {
            progress(CopyEvent::Copying {
                path: p.clone(),
                index: i + 1,
                of,
            });
            let ni = &plan[&p];
            let file_size = self.import_one(store, ni)?;
            progress(CopyEvent::Copied {
                path: p.clone(),
                nar_size: ni.nar_size,
                file_size,
            });
            report.copied.push(p);
        }
        Ok(report)
    }

    /// Fetch, check and import one path whose references are valid.
    fn import_one(&self, store: &LocalStore, ni: &NarInfo) -> Result<u64> {
        let printed = self.store_dir.print(&ni.store_path);
        let compression = ni.compression.as_deref().unwrap_or("bzip2");
        if !matches!(compression, "xz" | "none") {
            return Err(BinaryCacheError::UnsupportedCompression {
                url: self.url(),
                path: printed,
                compression: compression.to_string(),
            });
        }
        let mut reader =
            self.backend
                .open(&ni.url)?
                .ok_or_else(|| BinaryCacheError::NarFileMissing {
                    url: self.url(),
                    path: printed.clone(),
                    file: ni.url.clone(),
                })?;
        // Spool to disk (checking FileHash needs the whole file before the
        // NAR is unpacked); a file larger than announced is cut one byte
        // past its FileSize, which is enough to fail the check.
        let (scratch, scratch_file) = ScratchFile::create()?;
        let algo = ni.file_hash.as_ref().map_or(HashAlgo::Sha256, |h| h.algo());
        let mut file_hasher = HashingWriter::new(algo);
        {
            let mut out = io::BufWriter::with_capacity(1 << 16, scratch_file);
            let limit = ni.file_size.map_or(u64::MAX, |s| s.saturating_add(1));
            io::copy(
                &mut (&mut reader).take(limit),
                &mut Tee(&mut file_hasher, &mut out),
            )
            .and_then(|_| out.flush())
            .map_err(|source| {
                FsError::new("fetching", format!("{}/{}", self.url(), ni.url), source)
            })?;
        }
        drop(reader);
        let (actual_hash, size) = file_hasher.finish();
        let size_ok = ni.file_size.is_none_or(|s| s == size);
        let hash_ok = ni.file_hash.as_ref().is_none_or(|h| *h == actual_hash);
        if !size_ok || !hash_ok {
            return Err(BinaryCacheError::FileMismatch {
                url: self.url(),
                path: printed,
                file: ni.url.clone(),
                expected: format!(
                    "{} ({} bytes)",
                    ni.file_hash
                        .as_ref()
                        .map_or("any hash".to_string(), |h| h.to_string()),
                    ni.file_size
                        .map_or("any number of".to_string(), |s| s.to_string())
                ),
                actual: format!("{actual_hash} ({size} bytes)"),
            });
        }
        let info = ValidPathInfo {
            path: ni.store_path.clone(),
            nar_hash: ni.nar_hash.clone(),
            nar_size: ni.nar_size,
            references: ni.references.iter().cloned().collect(),
            deriver: ni.deriver.clone(),
            registration_time: 0,
            ca: ni.ca.clone(),
            sigs: ni.sigs.clone(),
            ultimate: false,
        };
        // At most one byte more than announced is read, so an oversized or
        // endless stream fails the size check instead of filling the disk.
        let limit = ni.nar_size.saturating_add(1);
        let file = io::BufReader::with_capacity(
            1 << 16,
            fs::File::open(&scratch.path).map_err(io_err("reading", &scratch.path))?,
        );
        match compression {
            "xz" => {
                let dec = xz2::read::XzDecoder::new_multi_decoder(file);
                store.import_nar(&info, dec.take(limit))?;
            }
            _ => store.import_nar(&info, file.take(limit))?,
        }
        Ok(size)
    }
}

/// Order `refs`' keys so that every path comes after the paths it refers
/// to (among the keys); ties in path order.
pub fn references_first(refs: &BTreeMap<StorePath, BTreeSet<StorePath>>) -> Vec<StorePath> {
    let mut out = Vec::with_capacity(refs.len());
    let mut state: BTreeMap<&StorePath, bool> = BTreeMap::new(); // false: in progress
    for start in refs.keys() {
        if state.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&StorePath, Vec<&StorePath>)> = Vec::new();
        state.insert(start, false);
        stack.push((start, deps(refs, start)));
        while let Some((p, pending)) = stack.last_mut() {
            if let Some(next) = pending.pop() {
                if !state.contains_key(next) {
                    state.insert(next, false);
                    let d = deps(refs, next);
                    stack.push((next, d));
                }
            } else {
                let p = *p;
                state.insert(p, true);
                out.push(p.clone());
                stack.pop();
            }
        }
    }
    out
}

fn deps<'a>(
    refs: &'a BTreeMap<StorePath, BTreeSet<StorePath>>,
    p: &'a StorePath,
) -> Vec<&'a StorePath> {
    let mut v: Vec<&StorePath> = refs[p]
        .iter()
        .filter(|r| *r != p && refs.contains_key(*r))
        .collect();
    v.reverse();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_info_roundtrip() {
        let i = CacheInfo::parse("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n").unwrap();
        assert_eq!(i.priority, Some(40));
        assert!(i.want_mass_query);
        assert_eq!(CacheInfo::parse(&i.to_text()).unwrap(), i);
        assert!(CacheInfo::parse("WantMassQuery: 1\n").is_err());
        assert!(CacheInfo::parse("StoreDir: /s\nPriority: x\n").is_err());
    }

    #[test]
    fn order_puts_references_first() {
        let p = |s: &str| StorePath::from_base_name(s).unwrap();
        let a = p("00000000000000000000000000000000-a");
        let b = p("11111111111111111111111111111111-b");
        let c = p("22222222222222222222222222222222-c");
        let mut refs = BTreeMap::new();
        refs.insert(a.clone(), BTreeSet::from([a.clone(), c.clone()]));
        refs.insert(b.clone(), BTreeSet::from([a.clone()]));
        refs.insert(c.clone(), BTreeSet::new());
        assert_eq!(references_first(&refs), vec![c, a, b]);
    }

    #[test]
    fn file_urls() {
        let (d, q) = parse_file_url("file:///tmp/c?compression=none")
            .unwrap()
            .unwrap();
        assert_eq!(d, PathBuf::from("/tmp/c"));
        assert_eq!(q["compression"], "none");
        assert!(parse_file_url("http://x").unwrap().is_none());
        assert!(parse_file_url("file://rel").is_err());
    }
}
