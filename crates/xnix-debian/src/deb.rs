//! Reading `.deb` files: an `ar` archive holding `debian-binary` (`2.0`),
//! `control.tar[.gz|.xz|.zst]` and `data.tar[.gz|.xz|.zst]`; and unpacking
//! the data into a directory.
//!
//! Unpacking is merged-/usr aware: Debian's packages still ship files under
//! `/bin`, `/sbin` and `/lib*`, which on a merged system are the same
//! directories as `/usr/bin`, ...; [`Layout::MergedUsr`] places them there,
//! so several packages unpacked into one tree agree with each other.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use crate::compress::Compression;
use crate::deb822::{self, Paragraph};

/// Why a `.deb` could not be read or unpacked.
#[derive(Debug, thiserror::Error)]
pub enum DebError {
    /// Not an `ar` archive, or a damaged one.
    #[error("{deb}: not a valid .deb (ar archive): {reason}")]
    NotDeb {
        /// The file.
        deb: String,
        /// What is wrong.
        reason: String,
    },
    /// A member is missing.
    #[error("{deb}: the member '{member}' is missing")]
    Missing {
        /// The file.
        deb: String,
        /// The member's name (prefix).
        member: &'static str,
    },
    /// A member's compression is not supported.
    #[error("{deb}: the member '{member}' uses a compression xnix cannot read")]
    Compression {
        /// The file.
        deb: String,
        /// The member.
        member: String,
    },
    /// A member's tar stream is damaged (truncated, bad compression, ...).
    #[error("{deb}: the member '{member}' is damaged: {source}")]
    Corrupt {
        /// The file.
        deb: String,
        /// The member.
        member: String,
        /// The error.
        source: io::Error,
    },
    /// An entry would land outside the destination.
    #[error("{deb}: the entry '{entry}' {reason}; refusing to unpack it")]
    UnsafeEntry {
        /// The file.
        deb: String,
        /// The entry.
        entry: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The control file does not parse.
    #[error("{deb}: its control file: {reason}")]
    Control {
        /// The file.
        deb: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing the unpacked tree failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: io::Error,
    },
}

/// Where top-level `/bin`, `/sbin` and `/lib*` entries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// As in the archive.
    AsIs,
    /// Under `usr/` (a merged-/usr system).
    MergedUsr,
}

/// The top-level directories that merged-/usr moves under `usr/`.
pub const MERGED_DIRS: &[&str] = &["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// Calls `f` with the name and decompressed contents of the `.deb`'s
/// `control.tar*` or `data.tar*` member (by `prefix`).
fn with_member<T>(
    deb: &Path,
    prefix: &'static str,
    f: &mut dyn FnMut(&str, &mut dyn Read) -> Result<T, DebError>,
) -> Result<T, DebError> {
    let shown = deb.display().to_string();
    let file = fs::File::open(deb).map_err(|source| DebError::Io {
        context: format!("opening {shown}"),
        source,
    })?;
    let not_deb = |reason: String| DebError::NotDeb {
        deb: shown.clone(),
        reason,
    };
    let mut archive = ar::Archive::new(io::BufReader::new(file));
    let mut first = true;
    while let Some(entry) = archive.next_entry() {
        let mut entry = entry.map_err(|e| not_deb(e.to_string()))?;
        let name = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_string();
        if first {
            first = false;
            let mut magic = String::new();
            entry
                .read_to_string(&mut magic)
                .map_err(|e| not_deb(e.to_string()))?;
            if name != "debian-binary" || !magic.starts_with("2.") {
                return Err(not_deb(format!(
                    "the first member is '{name}', not 'debian-binary' with format 2.x"
                )));
            }
            continue;
        }
        if !name.starts_with(prefix) {
            continue;
        }
        let (compression, _) =
            Compression::from_name(&name).ok_or_else(|| DebError::Compression {
                deb: shown.clone(),
                member: name.clone(),
            })?;
        let mut reader = compression
            .reader(&mut entry)
            .map_err(|source| DebError::Corrupt {
                deb: shown.clone(),
                member: name.clone(),
                source,
            })?;
        return f(&name, &mut reader);
    }
    if first {
        return Err(not_deb("the archive is empty".to_string()));
    }
    Err(DebError::Missing {
        deb: shown,
        member: prefix,
    })
}

/// Reads the package's `control` paragraph.
pub fn read_control(deb: &Path) -> Result<Paragraph, DebError> {
    let shown = deb.display().to_string();
    with_member(deb, "control.tar", &mut |member, reader| {
        let corrupt = |source| DebError::Corrupt {
            deb: shown.clone(),
            member: member.to_string(),
            source,
        };
        let mut tar = tar::Archive::new(reader);
        for entry in tar.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            let path = entry.path().map_err(corrupt)?.into_owned();
            if path
                .components()
                .filter(|c| !matches!(c, Component::CurDir))
                .collect::<PathBuf>()
                == Path::new("control")
            {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(corrupt)?;
                let mut ps = deb822::parse(&text).map_err(|e| DebError::Control {
                    deb: shown.clone(),
                    reason: e.to_string(),
                })?;
                if ps.is_empty() {
                    return Err(DebError::Control {
                        deb: shown.clone(),
                        reason: "it is empty".to_string(),
                    });
                }
                return Ok(ps.swap_remove(0));
            }
        }
        Err(DebError::Control {
            deb: shown.clone(),
            reason: "control.tar has no 'control' file".to_string(),
        })
    })
}

/// The relative path an archive entry goes to, or why it is refused.
fn entry_target(raw: &Path, layout: Layout) -> Result<Option<PathBuf>, &'static str> {
    let mut parts = Vec::new();
    for c in raw.components() {
        match c {
            Component::CurDir => {}
            Component::Normal(p) => parts.push(p.to_os_string()),
            Component::ParentDir => return Err("contains '..'"),
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    if layout == Layout::MergedUsr && MERGED_DIRS.iter().any(|d| parts[0] == *d) {
        parts.insert(0, "usr".into());
    }
    Ok(Some(parts.iter().collect()))
}

/// Creates the directories leading to `rel` under `dest`, refusing to pass
/// through a symbolic link (an archive could otherwise write outside).
fn make_parents(dest: &Path, rel: &Path) -> Result<(), &'static str> {
    let mut at = dest.to_path_buf();
    let Some(parent) = rel.parent() else {
        return Ok(());
    };
    for c in parent.components() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => return Err("passes through a symbolic link"),
            Ok(_) => return Err("passes through a file"),
            Err(_) => {
                if fs::create_dir(&at).is_err() {
                    return Err("cannot create its directory");
                }
            }
        }
    }
    Ok(())
}

/// What one unpack did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpacked {
    /// Regular files written.
    pub files: usize,
    /// Symbolic links made.
    pub symlinks: usize,
    /// Bytes of regular files.
    pub bytes: u64,
}

/// Unpacks the `.deb`'s data into `dest` (created if missing; other
/// packages may already be unpacked there). Ownership is not kept; modes
/// keep their permission bits without setuid, setgid and sticky; device
/// nodes and FIFOs are skipped. An entry that would leave `dest` (`..`,
/// a path through a symbolic link) stops the unpack with an error.
pub fn unpack(deb: &Path, dest: &Path, layout: Layout) -> Result<Unpacked, DebError> {
    let shown = deb.display().to_string();
    fs::create_dir_all(dest).map_err(|source| DebError::Io {
        context: format!("creating {}", dest.display()),
        source,
    })?;
    with_member(deb, "data.tar", &mut |member, reader| {
        let corrupt = |source| DebError::Corrupt {
            deb: shown.clone(),
            member: member.to_string(),
            source,
        };
        let unsafe_entry = |entry: &Path, reason| DebError::UnsafeEntry {
            deb: shown.clone(),
            entry: entry.display().to_string(),
            reason,
        };
        let io = |what: &Path| {
            let context = format!("unpacking {shown} into {}", what.display());
            move |source| DebError::Io { context, source }
        };
        let mut done = Unpacked::default();
        let mut tar = tar::Archive::new(reader);
        for entry in tar.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            let raw = entry.path().map_err(corrupt)?.into_owned();
            let Some(rel) = entry_target(&raw, layout).map_err(|r| unsafe_entry(&raw, r))? else {
                continue;
            };
            make_parents(dest, &rel).map_err(|r| unsafe_entry(&raw, r))?;
            let target = dest.join(&rel);
            let mode = entry.header().mode().map_err(corrupt)? & 0o777;
            let kind = entry.header().entry_type();
            let existing = fs::symlink_metadata(&target).ok();
            if kind.is_dir() {
                match existing {
                    Some(m) if m.is_dir() => {}
                    Some(_) => return Err(unsafe_entry(&raw, "is a directory over a file")),
                    None => fs::create_dir(&target).map_err(io(&target))?,
                }
                fs::set_permissions(&target, fs::Permissions::from_mode(mode | 0o700))
                    .map_err(io(&target))?;
                continue;
            }
            if existing.as_ref().is_some_and(|m| m.is_dir()) {
                return Err(unsafe_entry(&raw, "is a file over a directory"));
            }
            if existing.is_some() {
                fs::remove_file(&target).map_err(io(&target))?;
            }
            if kind.is_symlink() {
                let link = entry
                    .link_name()
                    .map_err(corrupt)?
                    .ok_or_else(|| unsafe_entry(&raw, "is a symbolic link without a target"))?;
                std::os::unix::fs::symlink(&*link, &target).map_err(io(&target))?;
                done.symlinks += 1;
            } else if kind.is_hard_link() {
                let link = entry
                    .link_name()
                    .map_err(corrupt)?
                    .ok_or_else(|| unsafe_entry(&raw, "is a hard link without a target"))?;
                let Some(link_rel) =
                    entry_target(&link, layout).map_err(|r| unsafe_entry(&raw, r))?
                else {
                    return Err(unsafe_entry(&raw, "is a hard link to nothing"));
                };
                let from = dest.join(&link_rel);
                match fs::symlink_metadata(&from) {
                    Ok(m) if m.is_file() => {}
                    _ => {
                        return Err(unsafe_entry(
                            &raw,
                            "is a hard link to a file not unpacked before it",
                        ))
                    }
                }
                fs::hard_link(&from, &target).map_err(io(&target))?;
                done.files += 1;
            } else if kind.is_file() || kind == tar::EntryType::Continuous {
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                    .map_err(io(&target))?;
                done.bytes += io::copy(&mut entry, &mut out).map_err(corrupt)?;
                out.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(io(&target))?;
                done.files += 1;
            }
        }
        Ok(done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_usr_targets() {
        let t = |p: &str, l| entry_target(Path::new(p), l).unwrap();
        assert_eq!(
            t("./bin/sh", Layout::MergedUsr),
            Some(PathBuf::from("usr/bin/sh"))
        );
        assert_eq!(
            t("./lib64/ld.so", Layout::MergedUsr),
            Some(PathBuf::from("usr/lib64/ld.so"))
        );
        assert_eq!(
            t("./usr/bin/x", Layout::MergedUsr),
            Some(PathBuf::from("usr/bin/x"))
        );
        assert_eq!(t("./bin/sh", Layout::AsIs), Some(PathBuf::from("bin/sh")));
        assert_eq!(t("./", Layout::AsIs), None);
        assert_eq!(
            t("./libexec/x", Layout::MergedUsr),
            Some(PathBuf::from("libexec/x"))
        );
        assert!(entry_target(Path::new("./usr/../../x"), Layout::AsIs).is_err());
    }
}
