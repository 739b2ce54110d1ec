//! The builtin builder `builtin:unpack-debs`: unpacks `.deb` store paths
//! (attribute `debs`, white-space separated) into one merged-/usr tree, the
//! output `out`, in Rust. Top-level `bin`, `sbin` and `lib*` become links
//! into `usr/`, as on a merged-/usr Debian system, so the output can serve
//! as (part of) a root file system.
//!
//! A damaged or unsafe archive is an error naming the `.deb`; the caller
//! removes the partial output and registers nothing.

use std::fs;
use std::path::Path;

use xnix_debian::deb::{self, Layout, MERGED_DIRS};

/// Unpacks each of `debs` (host paths) into `dest`, which must not exist.
/// Returns one log line per package.
pub fn unpack_debs(debs: &[&Path], dest: &Path) -> Result<Vec<String>, String> {
    if debs.is_empty() {
        return Err("builtin:unpack-debs needs the attribute 'debs' (the .deb store paths)".into());
    }
    fs::create_dir(dest).map_err(|e| format!("creating {}: {e}", dest.display()))?;
    let mut lines = Vec::new();
    for deb in debs {
        let control = deb::read_control(deb).map_err(|e| e.to_string())?;
        let done = deb::unpack(deb, dest, Layout::MergedUsr).map_err(|e| e.to_string())?;
        lines.push(format!(
            "unpacked {} {} ({} files, {} links, {} bytes)",
            control.get("Package").unwrap_or("?"),
            control.get("Version").unwrap_or("?"),
            done.files,
            done.symlinks,
            done.bytes
        ));
    }
    for dir in MERGED_DIRS {
        let (top, usr) = (dest.join(dir), dest.join("usr").join(dir));
        if usr.is_dir() && fs::symlink_metadata(&top).is_err() {
            std::os::unix::fs::symlink(format!("usr/{dir}"), &top)
                .map_err(|e| format!("linking {}: {e}", top.display()))?;
        }
    }
    Ok(lines)
}
