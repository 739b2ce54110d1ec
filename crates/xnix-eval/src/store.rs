//! Store path computations the evaluator needs. Nothing is written to any store here: the
//! evaluator records what it computed ([`Evaluator::store_objects`],
//! [`Evaluator::derivations`]) so that a caller that owns a store (`xnix instantiate`) can
//! write the same objects afterwards.

use std::collections::BTreeSet;
use std::path::Path;

use xnix_formats::{ContentAddressMethod, FixedOutputHash, Hash, HashAlgo, StoreDir, StorePath};
use xnix_fs::FileKind;

use crate::error::{EvalError, Result};
use crate::value::Pos;
use crate::Evaluator;

/// The evaluator's store directory as xnix-store's type.
fn store_dir(ev: &Evaluator, pos: Pos) -> Result<StoreDir> {
    StoreDir::new(ev.store_dir.clone()).map_err(|e| EvalError::msg(e.to_string(), pos))
}

/// The fixed-output path of `name` whose contents (NAR for `method` recursive, bytes for
/// flat) hash to `hash`, as `builtins.path`, `filterSource` and the fetchers compute it.
pub fn fixed_output_path(
    ev: &Evaluator,
    name: &str,
    method: ContentAddressMethod,
    hash: Hash,
    pos: Pos,
) -> Result<String> {
    let sd = store_dir(ev, pos)?;
    let fixed = FixedOutputHash { method, hash };
    sd.make_fixed_output_path(name, &fixed, &BTreeSet::new(), false)
        .map(|p| sd.print(&p))
        .map_err(|e| EvalError::msg(e.to_string(), pos))
}

/// The path of a text file with the given contents and references (as `toFile` computes it).
pub fn text_path(
    ev: &Evaluator,
    name: &str,
    contents: &[u8],
    refs: &[String],
    pos: Pos,
) -> Result<String> {
    let sd = store_dir(ev, pos)?;
    let refs = refs
        .iter()
        .map(|r| sd.parse(r))
        .collect::<std::result::Result<BTreeSet<StorePath>, _>>()
        .map_err(|e| EvalError::msg(e.to_string(), pos))?;
    sd.text_path(name, contents, &refs)
        .map(|p| sd.print(&p))
        .map_err(|e| EvalError::msg(e.to_string(), pos))
}

/// The SHA-256 of the NAR of `path`; `filter(path, type)` decides which entries below it
/// are kept. The archive is streamed into the hash, never held whole; the first error the
/// filter returns (a Nix evaluation error) stops the walk and is returned.
pub fn nar_sha256(
    path: &str,
    filter: &mut dyn FnMut(&str, &str) -> Result<bool>,
    pos: Pos,
) -> Result<Hash> {
    let mut failed: Option<EvalError> = None;
    let mut keep = |p: &Path, kind: FileKind| -> bool {
        if failed.is_some() {
            return false;
        }
        match filter(&p.to_string_lossy(), kind.nix_name()) {
            Ok(k) => k,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    };
    let mut hasher = xnix_formats::hash::HashingWriter::new(HashAlgo::Sha256);
    let dumped = xnix_fs::nar::dump_path_filtered(
        Path::new(path),
        std::io::BufWriter::with_capacity(1 << 16, &mut hasher),
        &mut keep,
    );
    if let Some(e) = failed {
        return Err(e);
    }
    dumped.map_err(|e| nar_err(e, pos))?;
    Ok(hasher.finish().0)
}

/// Nix's wording for a file that cannot be read while copying a path.
fn nar_err(e: xnix_fs::nar::NarFsError, pos: Pos) -> EvalError {
    match e {
        xnix_fs::nar::NarFsError::Io { path, source, .. } => EvalError::msg(
            format!(
                "getting status of '{}': {}",
                path.display(),
                crate::eval::io_msg(&source)
            ),
            pos,
        ),
        e => EvalError::msg(e.to_string(), pos),
    }
}

/// The type name `readDir` and path filters use for a file.
pub fn file_type_name(md: &std::fs::Metadata) -> &'static str {
    FileKind::of(md).nix_name()
}

/// The store path `path` would be copied to under `name` (recursive SHA-256, no filter).
pub fn add_path_to_store(ev: &Evaluator, path: &str, name: &str, pos: Pos) -> Result<String> {
    let h = nar_sha256(path, &mut |_, _| Ok(true), pos)?;
    check_name(name, pos)?;
    fixed_output_path(ev, name, ContentAddressMethod::Recursive, h, pos)
}

/// Check a store path name as Nix does.
pub fn check_name(name: &str, pos: Pos) -> Result<()> {
    if name.is_empty() || name.starts_with('.') && (name == "." || name == "..") {
        return Err(EvalError::msg(
            format!("invalid store path name '{name}'"),
            pos,
        ));
    }
    for c in name.chars() {
        if !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)) {
            return Err(EvalError::msg(
                format!("store path name '{name}' contains illegal character '{c}'"),
                pos,
            ));
        }
    }
    if name.len() > 211 {
        return Err(EvalError::msg(
            format!("store path name '{name}' is too long"),
            pos,
        ));
    }
    Ok(())
}

/// A store object whose path an evaluation computed, with what is needed to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreObject {
    /// A file or directory copied into the store (`./file` in a string, `builtins.path`,
    /// `filterSource`): content-addressed with SHA-256, no references.
    Source {
        /// The path on disk.
        src: String,
        /// The store path name.
        name: String,
        /// NAR (true) or flat file (false) hashing.
        recursive: bool,
        /// Paths below `src` the filter rejected (they and everything below them are left out).
        rejected: std::collections::BTreeSet<String>,
        /// The store path computed.
        path: String,
    },
    /// A download by `builtins.fetchurl` (flat) or `builtins.fetchTarball` (unpacked, NAR
    /// hashed) whose SHA-256 was given: the path is known, the bytes are fetched by whoever
    /// writes the objects to a store.
    Download {
        /// The URL (may be `mirror://NAME/...`).
        url: String,
        /// The store path name.
        name: String,
        /// The declared SHA-256 of the file (flat) or of the unpacked tree's NAR.
        sha256: xnix_formats::Hash,
        /// Whether the download is a tarball to unpack (`fetchTarball`).
        unpack: bool,
        /// The store path computed.
        path: String,
    },
    /// A `builtins.toFile` text.
    Text {
        /// The store path name.
        name: String,
        /// The contents.
        contents: Vec<u8>,
        /// The store paths the text refers to.
        references: Vec<String>,
        /// The store path computed.
        path: String,
    },
}

impl Evaluator {
    /// Every source and `toFile` text this evaluator computed a store path for, sources
    /// first, texts in the order they were created (a text may refer to an earlier one).
    pub fn store_objects(&self) -> Vec<StoreObject> {
        let mut out: Vec<StoreObject> = self
            .store_paths
            .borrow()
            .iter()
            .map(|(src, path)| StoreObject::Source {
                src: src.clone(),
                name: crate::path::base_name_of(src),
                recursive: true,
                rejected: Default::default(),
                path: path.clone(),
            })
            .collect();
        out.sort_by(|a, b| match (a, b) {
            (StoreObject::Source { path: x, .. }, StoreObject::Source { path: y, .. }) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
        let recorded = self.drv_cache.borrow().objects.clone();
        let (sources, texts): (Vec<_>, Vec<_>) = recorded
            .into_iter()
            .partition(|o| matches!(o, StoreObject::Source { .. } | StoreObject::Download { .. }));
        out.extend(sources);
        out.extend(texts);
        out
    }

    /// Every derivation this evaluator computed (or read while hashing), by `.drv` path.
    pub fn derivations(&self) -> Vec<(String, xnix_formats::Derivation)> {
        self.drv_cache
            .borrow()
            .drvs
            .iter()
            .map(|(p, d)| (p.clone(), d.clone()))
            .collect()
    }

    /// The derivation computed for `drv_path`, if this evaluator computed or read it.
    pub fn derivation(&self, drv_path: &str) -> Option<xnix_formats::Derivation> {
        self.drv_cache.borrow().drvs.get(drv_path).cloned()
    }
}

/// A hash parse error in Nix's words: Nix names the wrong length without the lengths it
/// would have accepted.
pub(crate) fn hash_error_text(e: &xnix_formats::HashError) -> String {
    match e {
        xnix_formats::HashError::WrongLength { hash, algo, .. } => {
            format!("hash '{hash}' has wrong length for hash type '{algo}'")
        }
        xnix_formats::HashError::MissingAlgo(hash) => format!(
            "hash '{hash}' does not include a type, nor is the type otherwise known from context"
        ),
        e => e.to_string(),
    }
}
