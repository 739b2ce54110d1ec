//! Store path computations the evaluator needs. Nothing is written to any store here: the
//! evaluator records what it computed ([`Evaluator::store_objects`],
//! [`Evaluator::derivations`]) so that a caller that owns a store (`xnix instantiate`) can
//! write the same objects afterwards.

use sha2::{Digest, Sha256};

use crate::error::{EvalError, Result};
use crate::value::Pos;
use crate::Evaluator;

/// Nix's base-32 encoding of a hash.
pub fn nix_base32(hash: &[u8]) -> String {
    xnix_store::hash::to_nix_base32(hash)
}

/// Decode Nix's base-32; `None` if malformed.
pub fn nix_base32_decode(s: &str, size: usize) -> Option<Vec<u8>> {
    xnix_store::hash::from_nix_base32(s, size).ok()
}

fn compress(hash: &[u8], size: usize) -> Vec<u8> {
    xnix_store::compress_hash(hash, size)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    xnix_store::hash::to_base16(bytes)
}

/// `makeStorePath`: the path for a store object of type `ty` with inner hash `hash` (SHA-256).
pub fn make_store_path(store_dir: &str, ty: &str, hash: &[u8], name: &str) -> String {
    let s = format!("{ty}:sha256:{}:{store_dir}:{name}", hex(hash));
    let h = Sha256::digest(s.as_bytes());
    format!("{store_dir}/{}-{name}", nix_base32(&compress(&h, 20)))
}

/// The path of a text file added with the given references (as `toFile` does).
pub fn make_text_path(store_dir: &str, name: &str, contents: &[u8], refs: &[String]) -> String {
    let mut ty = "text".to_string();
    for r in refs {
        ty.push(':');
        ty.push_str(r);
    }
    make_store_path(store_dir, &ty, &Sha256::digest(contents), name)
}

/// The path of a fixed-output object.
pub fn make_fixed_output_path(
    store_dir: &str,
    recursive: bool,
    algo: &str,
    hash: &[u8],
    name: &str,
) -> String {
    if recursive && algo == "sha256" {
        make_store_path(store_dir, "source", hash, name)
    } else {
        let inner = format!(
            "fixed:out:{}{algo}:{}:",
            if recursive { "r:" } else { "" },
            hex(hash)
        );
        make_store_path(
            store_dir,
            "output:out",
            &Sha256::digest(inner.as_bytes()),
            name,
        )
    }
}

fn nar_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
    let pad = (8 - s.len() % 8) % 8;
    out.extend(std::iter::repeat_n(0u8, pad));
}

/// Serialise a path as a NAR; `filter(path, type)` decides which directory entries are kept.
pub fn dump_nar(
    path: &str,
    filter: &mut dyn FnMut(&str, &str) -> Result<bool>,
    pos: Pos,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    nar_str(&mut out, b"nix-archive-1");
    dump_node(path, filter, &mut out, pos)?;
    Ok(out)
}

fn io_err(path: &str, e: std::io::Error, pos: Pos) -> EvalError {
    EvalError::msg(
        format!("getting status of '{path}': {}", crate::eval::io_msg(&e)),
        pos,
    )
}

fn dump_node(
    path: &str,
    filter: &mut dyn FnMut(&str, &str) -> Result<bool>,
    out: &mut Vec<u8>,
    pos: Pos,
) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let md = std::fs::symlink_metadata(path).map_err(|e| io_err(path, e, pos))?;
    nar_str(out, b"(");
    nar_str(out, b"type");
    if md.file_type().is_symlink() {
        nar_str(out, b"symlink");
        nar_str(out, b"target");
        let t = std::fs::read_link(path).map_err(|e| io_err(path, e, pos))?;
        nar_str(out, t.as_os_str().as_encoded_bytes());
    } else if md.is_dir() {
        nar_str(out, b"directory");
        let mut names: Vec<String> = std::fs::read_dir(path)
            .map_err(|e| io_err(path, e, pos))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in names {
            let child = format!("{}/{}", path.trim_end_matches('/'), n);
            let cmd = std::fs::symlink_metadata(&child).map_err(|e| io_err(&child, e, pos))?;
            let ty = file_type_name(&cmd);
            if !filter(&child, ty)? {
                continue;
            }
            nar_str(out, b"entry");
            nar_str(out, b"(");
            nar_str(out, b"name");
            nar_str(out, n.as_bytes());
            nar_str(out, b"node");
            dump_node(&child, filter, out, pos)?;
            nar_str(out, b")");
        }
    } else {
        nar_str(out, b"regular");
        if md.permissions().mode() & 0o100 != 0 {
            nar_str(out, b"executable");
            nar_str(out, b"");
        }
        nar_str(out, b"contents");
        let data = std::fs::read(path).map_err(|e| io_err(path, e, pos))?;
        nar_str(out, &data);
    }
    nar_str(out, b")");
    Ok(())
}

/// The type name `readDir` and path filters use for a file.
pub fn file_type_name(md: &std::fs::Metadata) -> &'static str {
    let ft = md.file_type();
    if ft.is_symlink() {
        "symlink"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_file() {
        "regular"
    } else {
        "unknown"
    }
}

/// The store path `path` would be copied to under `name` (recursive SHA-256, no filter).
pub fn add_path_to_store(ev: &Evaluator, path: &str, name: &str, pos: Pos) -> Result<String> {
    let nar = dump_nar(path, &mut |_, _| Ok(true), pos)?;
    check_name(name, pos)?;
    Ok(make_fixed_output_path(
        &ev.store_dir,
        true,
        "sha256",
        &Sha256::digest(&nar),
        name,
    ))
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
            .partition(|o| matches!(o, StoreObject::Source { .. }));
        out.extend(sources);
        out.extend(texts);
        out
    }

    /// Every derivation this evaluator computed (or read while hashing), by `.drv` path.
    pub fn derivations(&self) -> Vec<(String, xnix_store::Derivation)> {
        self.drv_cache
            .borrow()
            .drvs
            .iter()
            .map(|(p, d)| (p.clone(), d.clone()))
            .collect()
    }

    /// The derivation computed for `drv_path`, if this evaluator computed or read it.
    pub fn derivation(&self, drv_path: &str) -> Option<xnix_store::Derivation> {
        self.drv_cache.borrow().drvs.get(drv_path).cloned()
    }
}
