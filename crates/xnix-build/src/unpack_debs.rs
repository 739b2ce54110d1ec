//! The builtin builder `builtin:unpack-debs`: unpacks `.deb` store paths
//! (attribute `debs`, white-space separated) into one merged-/usr tree, the
//! output `out`, in Rust. Top-level `bin`, `sbin` and `lib*` become links
//! into `usr/`, as on a merged-/usr Debian system, so the output can serve
//! as (part of) a root file system.
//!
//! Where two packages ship the same file, the later one's wins, except for
//! the paths named in `keepFirst` (attribute, white-space separated, relative
//! to the tree, e.g. `usr/bin/uname`): the first package that ships one of
//! those keeps it. A mixed-architecture root uses that to keep a program
//! whose output names the machine from its own architecture's package while
//! the rest of that package is replaced.
//!
//! A damaged or unsafe archive is an error naming the `.deb`; the caller
//! removes the partial output and registers nothing.

use std::fs;
use std::path::{Component, Path, PathBuf};

use xnix_debian::deb::{self, Layout, MERGED_DIRS};

/// The directory inside `dest` where files named in `keepFirst` wait while
/// later packages unpack (removed before the tree is complete).
const KEPT_DIR: &str = ".xnix-keep-first";

/// Unpacks each of `debs` (host paths) into `dest`, which must not exist.
/// Each path of `keep_first` (relative to `dest`) ends up as the first
/// package that ships it has it. Returns one log line per package.
pub fn unpack_debs(
    debs: &[&Path],
    keep_first: &[&str],
    dest: &Path,
) -> Result<Vec<String>, String> {
    if debs.is_empty() {
        return Err("builtin:unpack-debs needs the attribute 'debs' (the .deb store paths)".into());
    }
    let keep_first = keep_first
        .iter()
        .map(|p| kept_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    fs::create_dir(dest).map_err(|e| format!("creating {}: {e}", dest.display()))?;
    let kept_dir = dest.join(KEPT_DIR);
    // Index into `keep_first` -> where that file waits.
    let mut kept: Vec<Option<PathBuf>> = vec![None; keep_first.len()];
    let mut lines = Vec::new();
    for deb in debs {
        let control = deb::read_control(deb).map_err(|e| e.to_string())?;
        let done = deb::unpack(deb, dest, Layout::MergedUsr).map_err(|e| e.to_string())?;
        for (i, rel) in keep_first.iter().enumerate() {
            let path = dest.join(rel);
            if kept[i].is_some() || fs::symlink_metadata(&path).is_err() {
                continue;
            }
            fs::create_dir_all(&kept_dir)
                .map_err(|e| format!("creating {}: {e}", kept_dir.display()))?;
            let waiting = kept_dir.join(i.to_string());
            fs::rename(&path, &waiting)
                .map_err(|e| format!("moving {} aside: {e}", path.display()))?;
            kept[i] = Some(waiting);
        }
        lines.push(format!(
            "unpacked {} {} ({} files, {} links, {} bytes)",
            control.get("Package").unwrap_or("?"),
            control.get("Version").unwrap_or("?"),
            done.files,
            done.symlinks,
            done.bytes
        ));
    }
    for (rel, waiting) in keep_first.iter().zip(&kept) {
        let Some(waiting) = waiting else { continue };
        let path = dest.join(rel);
        if let Ok(m) = fs::symlink_metadata(&path) {
            let removed = if m.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(|e| format!("removing {}: {e}", path.display()))?;
        }
        fs::rename(waiting, &path).map_err(|e| format!("putting {} back: {e}", path.display()))?;
        lines.push(format!(
            "kept {} of the first package that ships it",
            rel.display()
        ));
    }
    if kept_dir.exists() {
        fs::remove_dir(&kept_dir).map_err(|e| format!("removing {}: {e}", kept_dir.display()))?;
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

/// A `keepFirst` entry as a path below the tree: relative, no `..`.
fn kept_path(p: &str) -> Result<PathBuf, String> {
    let path = Path::new(p);
    let plain = !p.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(n) if n != KEPT_DIR));
    if plain {
        Ok(path.to_path_buf())
    } else {
        Err(format!(
            "builtin:unpack-debs: '{p}' in 'keepFirst' is not a relative path inside the tree \
             (write e.g. usr/bin/uname)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A `.deb` built by dpkg-deb with `files` (path, contents).
    fn deb(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = dir.join(format!("src-{name}"));
        fs::create_dir_all(root.join("DEBIAN")).unwrap();
        fs::write(
            root.join("DEBIAN/control"),
            format!(
                "Package: {name}\nVersion: 1\nArchitecture: all\nMaintainer: T <t@localhost>\nDescription: t\n"
            ),
        )
        .unwrap();
        for (path, text) in files {
            let p = root.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        let out = dir.join(format!("{name}.deb"));
        let status = Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zgzip", "--build"])
            .arg(&root)
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("running dpkg-deb");
        assert!(status.success());
        out
    }

    #[test]
    fn later_packages_win_except_for_keep_first() {
        let dir = tempfile::tempdir().unwrap();
        let a = deb(
            dir.path(),
            "a",
            &[("usr/bin/uname", "a uname"), ("usr/bin/cat", "a cat")],
        );
        let b = deb(
            dir.path(),
            "b",
            &[("usr/bin/uname", "b uname"), ("usr/bin/cat", "b cat")],
        );
        let c = deb(dir.path(), "c", &[("usr/bin/uname", "c uname")]);
        let tree = dir.path().join("tree");
        unpack_debs(&[&a, &b, &c], &["usr/bin/uname", "usr/bin/absent"], &tree).unwrap();
        let read = |p: &str| fs::read_to_string(tree.join(p)).unwrap();
        assert_eq!(read("usr/bin/uname"), "a uname");
        assert_eq!(read("usr/bin/cat"), "b cat");
        assert!(!tree.join("usr/bin/absent").exists());
        assert!(!tree.join(KEPT_DIR).exists());

        let plain = dir.path().join("plain");
        unpack_debs(&[&a, &b, &c], &[], &plain).unwrap();
        assert_eq!(
            fs::read_to_string(plain.join("usr/bin/uname")).unwrap(),
            "c uname"
        );
    }

    #[test]
    fn keep_first_paths_must_stay_inside_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let a = deb(dir.path(), "a", &[("usr/bin/x", "x")]);
        for bad in ["/usr/bin/x", "usr/../../x", "", KEPT_DIR] {
            let err = unpack_debs(&[&a], &[bad], &dir.path().join("t")).unwrap_err();
            assert!(err.contains("keepFirst"), "{bad}: {err}");
        }
    }
}
