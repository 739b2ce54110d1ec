//! Fetching the source tree an input refers to, onto this machine. Nothing is copied into
//! the store here: a local `path:` or clean `git+file:` tree is used where it lies (only its
//! hash is computed, and only when asked), downloads and Git commits are unpacked once into
//! a cache directory keyed by what pins them. The evaluator copies into the store only what
//! evaluation actually uses as a source.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use xnix_formats::{Hash, HashAlgo};

use crate::flakeref::{AttrValue, FlakeRef};
use crate::FlakeError;

/// Where fetched trees are kept between runs.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// The cache directory (`$XDG_CACHE_HOME/xnix/flakes` by default).
    pub cache_dir: PathBuf,
}

/// A fetched source tree.
#[derive(Debug)]
pub struct Tree {
    /// The tree on this machine (a directory; a file for `file` inputs).
    pub root: PathBuf,
    /// The reference with its content pinned (`narHash`, `lastModified`, `rev`, ...).
    /// Computed lazily by [`Tree::locked`] for in-place trees.
    base_locked: FlakeRef,
    /// Top-level entries of `root` that are not part of the tree (`.git` of a work tree).
    pub excluded: Vec<String>,
    /// Commit time (Git) or newest modification time (paths), in seconds.
    pub last_modified: Option<u64>,
    /// The Git commit, for clean Git trees.
    pub rev: Option<String>,
    /// The number of commits up to `rev`.
    pub rev_count: Option<u64>,
    /// A Git work tree with uncommitted changes.
    pub dirty: bool,
    /// Local paths pin their newest modification time (from the hashing walk).
    mtime_from_walk: bool,
    /// The NAR hash and the newest modification time, computed on first use.
    walked: OnceCell<(Hash, u64)>,
}

impl Tree {
    fn new(root: PathBuf, base_locked: FlakeRef) -> Tree {
        Tree {
            root,
            base_locked,
            excluded: Vec::new(),
            last_modified: None,
            rev: None,
            rev_count: None,
            dirty: false,
            mtime_from_walk: false,
            walked: OnceCell::new(),
        }
    }

    fn walk(&self) -> Result<&(Hash, u64), FlakeError> {
        if let Some(w) = self.walked.get() {
            return Ok(w);
        }
        let w = hash_tree(&self.root, &self.excluded)?;
        Ok(self.walked.get_or_init(|| w))
    }

    /// The SHA-256 of the tree's NAR (computed once, on first use: a local tree is not
    /// read at all unless something needs its hash).
    pub fn nar_hash(&self) -> Result<Hash, FlakeError> {
        Ok(self.walk()?.0.clone())
    }

    /// `lastModified`: the commit time of Git trees, the newest modification time of
    /// local paths (which needs a walk of the tree, done on first use).
    pub fn last_modified(&self) -> Result<Option<u64>, FlakeError> {
        if self.mtime_from_walk && self.last_modified.is_none() {
            return Ok(Some(self.walk()?.1));
        }
        Ok(self.last_modified)
    }

    /// The locked reference: the input with `narHash` and, as the type has them,
    /// `lastModified`, `rev` and `revCount`.
    pub fn locked(&self) -> Result<FlakeRef, FlakeError> {
        let mut r = self.base_locked.clone();
        if self.mtime_from_walk {
            if let Some(t) = self.last_modified()? {
                r.set("lastModified", AttrValue::Int(t));
            }
        }
        r.set("narHash", AttrValue::Str(self.nar_hash()?.to_sri()));
        Ok(r)
    }

    /// Check the tree against the `narHash` the reference pins, if it pins one.
    pub fn verify(&self, wanted: &FlakeRef) -> Result<(), FlakeError> {
        let Some(want) = wanted.get_str("narHash") else {
            return Ok(());
        };
        let expected =
            Hash::parse(want, Some(HashAlgo::Sha256)).map_err(|e| FlakeError::BadRef {
                input: wanted.to_url(),
                why: format!("bad narHash: {e}"),
            })?;
        let got = self.nar_hash()?;
        if got != expected {
            return Err(FlakeError::HashMismatch {
                input: wanted.to_url(),
                expected: expected.to_sri(),
                got: got.to_sri(),
            });
        }
        Ok(())
    }
}

/// NAR hash of `root` without the top-level entries `excluded`, and the newest mtime seen.
pub fn hash_tree(root: &Path, excluded: &[String]) -> Result<(Hash, u64), FlakeError> {
    let mut newest = 0u64;
    let mut keep = |p: &Path, _kind: xnix_fs::FileKind| -> bool {
        if let Ok(rel) = p.strip_prefix(root) {
            let first = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned());
            if let Some(f) = first {
                if excluded.contains(&f) {
                    return false;
                }
            }
        }
        if let Ok(md) = std::fs::symlink_metadata(p) {
            newest = newest.max(md.mtime().max(0) as u64);
        }
        true
    };
    let mut hasher = xnix_formats::hash::HashingWriter::new(HashAlgo::Sha256);
    xnix_fs::nar::dump_path_filtered(
        root,
        std::io::BufWriter::with_capacity(1 << 16, &mut hasher),
        &mut keep,
    )
    .map_err(|e| FlakeError::Io {
        what: format!("reading '{}'", root.display()),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok((hasher.finish().0, newest))
}

/// Print a warning once per process (a flake may be locked and then evaluated, fetching
/// the same tree twice).
fn warn_once(msg: String) {
    static SEEN: std::sync::Mutex<Option<BTreeSet<String>>> = std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(BTreeSet::new).insert(msg.clone()) {
        eprintln!("{msg}");
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> FlakeError {
    let what = what.into();
    move |source| FlakeError::Io { what, source }
}

impl Fetcher {
    /// A fetcher with the default cache directory.
    pub fn new() -> Fetcher {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| std::env::temp_dir().join("xnix-cache"));
        Fetcher {
            cache_dir: base.join("xnix/flakes"),
        }
    }

    /// Fetch the tree `r` refers to (not an indirect name: resolve those first). A
    /// `narHash` in `r` is checked against what was fetched.
    pub fn fetch(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let tree = match r.input_type() {
            "path" => self.fetch_path(r)?,
            "git" => self.fetch_git(r)?,
            "github" | "gitlab" | "sourcehut" => self.fetch_git_archive(r)?,
            "tarball" | "file" => self.fetch_url(r)?,
            "indirect" => {
                return Err(FlakeError::BadRef {
                    input: r.to_url(),
                    why: "an indirect name must be resolved through the registry first".into(),
                })
            }
            other => {
                return Err(FlakeError::BadRef {
                    input: r.to_url(),
                    why: format!("unsupported input type '{other}'"),
                })
            }
        };
        tree.verify(r)?;
        Ok(tree)
    }

    fn fetch_path(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let p = PathBuf::from(r.get_str("path").unwrap_or(""));
        if !p.is_absolute() {
            return Err(FlakeError::BadRef {
                input: r.to_url(),
                why: "the path must be absolute here".into(),
            });
        }
        if std::fs::symlink_metadata(&p).is_err() {
            return Err(FlakeError::Missing {
                input: r.to_url(),
                path: p,
            });
        }
        let mut locked = FlakeRef::new(
            "path",
            [(
                "path",
                AttrValue::Str(r.get_str("path").unwrap_or("").into()),
            )],
        );
        for k in ["rev", "revCount"] {
            if let Some(v) = r.attrs.get(k) {
                locked.set(k, v.clone());
            }
        }
        locked.subdir = r.subdir.clone();
        // Nix pins a path's modification time with its hash; both come from one walk,
        // done only when something asks for either.
        let mut t = Tree::new(p, locked);
        t.mtime_from_walk = true;
        t.last_modified = r.get_int("lastModified");
        Ok(t)
    }

    fn fetch_git(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let url = r.get_str("url").unwrap_or("").to_string();
        let Some(dir) = url.strip_prefix("file://") else {
            return self.fetch_git_remote(r);
        };
        let repo = PathBuf::from(dir);
        if !repo.exists() {
            return Err(FlakeError::Missing {
                input: r.to_url(),
                path: repo,
            });
        }
        let rev = match (r.get_str("rev"), r.get_str("ref")) {
            (Some(rev), _) => Some(rev.to_string()),
            (None, Some(rf)) => Some(git_out(
                &repo,
                &["rev-parse", "--verify", &format!("{rf}^{{commit}}")],
                r,
            )?),
            (None, None) => None,
        };
        if let Some(rev) = rev {
            let dest = self.cache_dir.join("git").join(&rev);
            if !dest.exists() {
                self.git_archive(&repo, &rev, &dest, r)?;
            }
            return self.git_commit_tree(&repo, dest, &url, &rev, r);
        }
        // The work tree: Git's index decides what belongs to it.
        let has_head = Command::new("git")
            .args(["-C", dir, "rev-parse", "--verify", "-q", "HEAD"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        let dirty = !has_head
            || !Command::new("git")
                .args(["-C", dir, "diff", "HEAD", "--quiet"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        let tracked = git_list(&repo, &["ls-files", "-z", "--cached"], r)?;
        let others = git_list(&repo, &["ls-files", "-z", "--others", "--directory"], r)?;
        let (root, excluded) = if others.is_empty() {
            (repo.clone(), vec![".git".to_string()])
        } else {
            let untracked = git_list(
                &repo,
                &["ls-files", "-z", "--others", "--exclude-standard"],
                r,
            )?;
            if !untracked.is_empty() {
                let shown: Vec<&str> = untracked.iter().take(5).map(String::as_str).collect();
                warn_once(format!(
                    "warning: Git tree '{}' has files Git does not track ({}{}); the flake cannot see them, as in Nix: add them with 'git add'",
                    repo.display(),
                    shown.join(", "),
                    if untracked.len() > 5 { ", ..." } else { "" }
                ));
            }
            (self.tracked_view(&repo, &tracked)?, Vec::new())
        };
        let mut locked = FlakeRef::new("git", [("url", AttrValue::Str(url.clone()))]);
        locked.subdir = r.subdir.clone();
        let mut t = Tree::new(root, locked);
        t.excluded = excluded;
        t.dirty = dirty;
        if has_head {
            let time = git_out(&repo, &["log", "-1", "--format=%ct", "HEAD"], r)?;
            let time = time.parse().unwrap_or(0);
            t.last_modified = Some(time);
            t.base_locked.set("lastModified", AttrValue::Int(time));
            if !dirty {
                let rev = git_out(&repo, &["rev-parse", "HEAD"], r)?;
                let count = git_out(&repo, &["rev-list", "--count", "HEAD"], r)?;
                let count = count.parse().unwrap_or(0);
                t.base_locked.set("rev", AttrValue::Str(rev.clone()));
                t.base_locked.set("revCount", AttrValue::Int(count));
                if let Ok(branch) = git_out(&repo, &["symbolic-ref", "--short", "-q", "HEAD"], r) {
                    t.base_locked.set("ref", AttrValue::Str(branch));
                }
                t.rev = Some(rev);
                t.rev_count = Some(count);
            } else {
                warn_once(format!("warning: Git tree '{}' is dirty", repo.display()));
            }
        }
        Ok(t)
    }

    /// A directory with exactly the tracked files of a work tree (as they are in the work
    /// tree), kept in the cache under its NAR hash.
    fn tracked_view(&self, repo: &Path, tracked: &[String]) -> Result<PathBuf, FlakeError> {
        let views = self.cache_dir.join("git-views");
        std::fs::create_dir_all(&views).map_err(io(format!("creating '{}'", views.display())))?;
        let tmp = views.join(format!(".tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io(format!("creating '{}'", tmp.display())))?;
        for f in tracked {
            let src = repo.join(f);
            let Ok(md) = std::fs::symlink_metadata(&src) else {
                continue; // deleted in the work tree: not part of it
            };
            let dst = tmp.join(f);
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io(format!("creating '{}'", parent.display())))?;
            }
            if md.file_type().is_symlink() {
                let target =
                    std::fs::read_link(&src).map_err(io(format!("reading '{}'", src.display())))?;
                std::os::unix::fs::symlink(target, &dst)
                    .map_err(io(format!("creating '{}'", dst.display())))?;
            } else if md.is_file() {
                std::fs::copy(&src, &dst).map_err(io(format!("copying '{}'", src.display())))?;
            }
        }
        Ok(keep_by_hash(&tmp, &views)?.1)
    }

    fn git_archive(
        &self,
        repo: &Path,
        rev: &str,
        dest: &Path,
        r: &FlakeRef,
    ) -> Result<(), FlakeError> {
        let tar = git_stdout(repo, &["archive", "--format=tar", rev], r)?;
        unpack_into(&tar[..], dest, false)
    }

    fn git_commit_tree(
        &self,
        repo: &Path,
        root: PathBuf,
        url: &str,
        rev: &str,
        r: &FlakeRef,
    ) -> Result<Tree, FlakeError> {
        let time: u64 = git_out(repo, &["log", "-1", "--format=%ct", rev], r)?
            .parse()
            .unwrap_or(0);
        let count: u64 = git_out(repo, &["rev-list", "--count", rev], r)?
            .parse()
            .unwrap_or(0);
        let mut locked = FlakeRef::new("git", [("url", AttrValue::Str(url.into()))]);
        if let Some(rf) = r.get_str("ref") {
            locked.set("ref", AttrValue::Str(rf.into()));
        }
        locked.set("rev", AttrValue::Str(rev.into()));
        locked.set("revCount", AttrValue::Int(count));
        locked.set("lastModified", AttrValue::Int(time));
        locked.subdir = r.subdir.clone();
        let mut t = Tree::new(root, locked);
        t.last_modified = Some(time);
        t.rev = Some(rev.into());
        t.rev_count = Some(count);
        Ok(t)
    }

    fn fetch_git_remote(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let url = r.get_str("url").unwrap_or("").to_string();
        let key = Hash::digest(HashAlgo::Sha256, url.as_bytes()).to_base32();
        let mirror = self.cache_dir.join("git-remote").join(&key[..32]);
        if let Some(rev) = r.get_str("rev") {
            let dest = self.cache_dir.join("git").join(rev);
            if dest.exists() && mirror.exists() {
                return self.git_commit_tree(&mirror, dest, &url, rev, r);
            }
        }
        if !mirror.exists() {
            std::fs::create_dir_all(&mirror)
                .map_err(io(format!("creating '{}'", mirror.display())))?;
            let ok = Command::new("git")
                .args(["init", "--bare", "-q"])
                .arg(&mirror)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !ok {
                let _ = std::fs::remove_dir_all(&mirror);
                return Err(FlakeError::Git {
                    input: r.to_url(),
                    why: "git init failed".into(),
                });
            }
        }
        let wanted = r
            .get_str("rev")
            .or(r.get_str("ref"))
            .unwrap_or("HEAD")
            .to_string();
        let out = Command::new("git")
            .arg("-C")
            .arg(&mirror)
            .env("GIT_TERMINAL_PROMPT", "0")
            .args([
                "-c",
                "http.lowSpeedLimit=1",
                "-c",
                "http.lowSpeedTime=20",
                "fetch",
                "-q",
                "--depth=1",
                &url,
                &wanted,
            ])
            .output()
            .map_err(io("running git"))?;
        if !out.status.success() {
            return Err(FlakeError::Network {
                input: r.to_url(),
                why: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let rev = git_out(&mirror, &["rev-parse", "FETCH_HEAD"], r)?;
        let dest = self.cache_dir.join("git").join(&rev);
        if !dest.exists() {
            self.git_archive(&mirror, &rev, &dest, r)?;
        }
        self.git_commit_tree(&mirror, dest, &url, &rev, r)
    }

    fn fetch_git_archive(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let ty = r.input_type();
        let owner = r.get_str("owner").unwrap_or("");
        let repo = r.get_str("repo").unwrap_or("");
        let host = r.get_str("host").map(str::to_string).unwrap_or_else(|| {
            match ty {
                "gitlab" => "gitlab.com",
                "sourcehut" => "git.sr.ht",
                _ => "github.com",
            }
            .to_string()
        });
        // A pinned archive already unpacked needs no network.
        if let (Some(rev), Some(_)) = (r.get_str("rev"), r.get_str("narHash")) {
            let dest = self.cache_dir.join("git").join(rev);
            if dest.exists() {
                return Ok(self.archive_tree(dest, r, rev));
            }
        }
        let rev = match r.get_str("rev") {
            Some(rev) => rev.to_string(),
            None => {
                let wanted = r.get_str("ref").unwrap_or("HEAD");
                let api = match ty {
                    "github" => format!("https://api.{host}/repos/{owner}/{repo}/commits/{wanted}"),
                    _ => {
                        return Err(FlakeError::Network {
                            input: r.to_url(),
                            why: format!("resolving a branch of a {ty} repository is not supported; give the commit (/REV)"),
                        })
                    }
                };
                let resp = ureq::get(&api)
                    .set("Accept", "application/vnd.github.sha")
                    .timeout(std::time::Duration::from_secs(30))
                    .call()
                    .map_err(network_error(r))?;
                resp.into_string()
                    .map_err(network_error(r))?
                    .trim()
                    .to_string()
            }
        };
        let url = match ty {
            "gitlab" => format!("https://{host}/api/v4/projects/{owner}%2F{repo}/repository/archive.tar.gz?sha={rev}"),
            "sourcehut" => format!("https://{host}/{owner}/{repo}/archive/{rev}.tar.gz"),
            _ => format!("https://{host}/{owner}/{repo}/archive/{rev}.tar.gz"),
        };
        let dest = self.cache_dir.join("git").join(&rev);
        if !dest.exists() {
            let bytes = download(&url, r)?;
            unpack_into(&bytes[..], &dest, true)?;
        }
        Ok(self.archive_tree(dest, r, &rev))
    }

    fn archive_tree(&self, dest: PathBuf, r: &FlakeRef, rev: &str) -> Tree {
        let mut locked = FlakeRef::new(
            r.input_type(),
            [
                (
                    "owner",
                    AttrValue::Str(r.get_str("owner").unwrap_or("").into()),
                ),
                (
                    "repo",
                    AttrValue::Str(r.get_str("repo").unwrap_or("").into()),
                ),
                ("rev", AttrValue::Str(rev.into())),
            ],
        );
        if let Some(h) = r.get_str("host") {
            locked.set("host", AttrValue::Str(h.into()));
        }
        if let Some(lm) = r.get_int("lastModified") {
            locked.set("lastModified", AttrValue::Int(lm));
        }
        locked.subdir = r.subdir.clone();
        let mut t = Tree::new(dest, locked);
        t.rev = Some(rev.into());
        t
    }

    fn fetch_url(&self, r: &FlakeRef) -> Result<Tree, FlakeError> {
        let url = r.get_str("url").unwrap_or("").to_string();
        let tarball = r.input_type() == "tarball";
        let by_hash = self.cache_dir.join("by-hash");
        let mut locked = FlakeRef::new(r.input_type(), [("url", AttrValue::Str(url.clone()))]);
        locked.subdir = r.subdir.clone();
        if let Some(want) = r.get_str("narHash") {
            if let Ok(h) = Hash::parse(want, Some(HashAlgo::Sha256)) {
                let dest = by_hash.join(h.to_base32());
                if dest.exists() {
                    let t = Tree::new(dest, locked);
                    let _ = t.walked.set((h, 0));
                    return Ok(t);
                }
            }
        }
        let bytes = download(&url, r)?;
        std::fs::create_dir_all(&by_hash)
            .map_err(io(format!("creating '{}'", by_hash.display())))?;
        let tmp = by_hash.join(format!(".tmp-{}", std::process::id()));
        remove_path(&tmp);
        if tarball {
            unpack_into(&bytes[..], &tmp, true)?;
        } else {
            std::fs::write(&tmp, &bytes).map_err(io(format!("writing '{}'", tmp.display())))?;
        }
        let (h, dest) = keep_by_hash(&tmp, &by_hash)?;
        let t = Tree::new(dest, locked);
        let _ = t.walked.set((h, 0));
        Ok(t)
    }
}

impl Default for Fetcher {
    fn default() -> Self {
        Fetcher::new()
    }
}

/// What `git -C REPO ARGS...` prints; its failure is an error of input `r`
/// naming the command and what git said.
fn git_stdout(repo: &Path, args: &[&str], r: &FlakeRef) -> Result<Vec<u8>, FlakeError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(io("running git (is it installed?)"))?;
    if !out.status.success() {
        return Err(FlakeError::Git {
            input: r.to_url(),
            why: format!(
                "'git {}' failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(out.stdout)
}

/// git's output as one trimmed line of text.
fn git_out(repo: &Path, args: &[&str], r: &FlakeRef) -> Result<String, FlakeError> {
    let out = git_stdout(repo, args, r)?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// git's NUL-separated output (`-z`) as sorted, distinct names.
fn git_list(repo: &Path, args: &[&str], r: &FlakeRef) -> Result<Vec<String>, FlakeError> {
    let out = git_stdout(repo, args, r)?;
    let set: BTreeSet<String> = out
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    Ok(set.into_iter().collect())
}

/// A download of input `r` that failed, as an error.
fn network_error<E: std::fmt::Display>(r: &FlakeRef) -> impl FnOnce(E) -> FlakeError + '_ {
    move |e| FlakeError::Network {
        input: r.to_url(),
        why: e.to_string(),
    }
}

/// Removes a scratch file or directory, if there is one.
fn remove_path(path: &Path) {
    let _ = std::fs::remove_dir_all(path);
    let _ = std::fs::remove_file(path);
}

/// Moves the finished scratch tree `tmp` to `dir/<its NAR hash>` (or drops it
/// when that is there already: same hash, same content).
fn keep_by_hash(tmp: &Path, dir: &Path) -> Result<(Hash, PathBuf), FlakeError> {
    let (h, _) = hash_tree(tmp, &[])?;
    let dest = dir.join(h.to_base32());
    if dest.exists() {
        remove_path(tmp);
    } else {
        std::fs::rename(tmp, &dest).map_err(io(format!("creating '{}'", dest.display())))?;
    }
    Ok((h, dest))
}

/// The bytes at `url` (`http(s)://` or `file://`).
fn download(url: &str, r: &FlakeRef) -> Result<Vec<u8>, FlakeError> {
    if let Some(p) = url.strip_prefix("file://") {
        return std::fs::read(p).map_err(|e| FlakeError::Missing {
            input: format!("{} ({e})", r.to_url()),
            path: PathBuf::from(p),
        });
    }
    let resp = ureq::get(url)
        .timeout(std::time::Duration::from_secs(300))
        .call()
        .map_err(network_error(r))?;
    let mut bytes = Vec::new();
    resp.into_reader()
        .read_to_end(&mut bytes)
        .map_err(network_error(r))?;
    Ok(bytes)
}

/// Unpack a tar archive (plain, gzip or xz) into the new directory `dest`; with
/// `strip_top`, a single top-level directory is removed, as Nix does for tarballs.
fn unpack_into(bytes: &[u8], dest: &Path, strip_top: bool) -> Result<(), FlakeError> {
    let reader: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(bytes))
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z']) {
        Box::new(xz2::read::XzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    let parent = dest.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent).map_err(io(format!("creating '{}'", parent.display())))?;
    let tmp = parent.join(format!(
        ".unpack-{}-{}",
        std::process::id(),
        dest.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io(format!("creating '{}'", tmp.display())))?;
    let mut ar = tar::Archive::new(reader);
    ar.set_preserve_permissions(true);
    ar.unpack(&tmp).map_err(|e| FlakeError::Io {
        what: "unpacking an archive".into(),
        source: e,
    })?;
    let mut top = tmp.clone();
    if strip_top {
        let entries: Vec<_> = std::fs::read_dir(&tmp)
            .map_err(io("reading an unpacked archive"))?
            .flatten()
            .collect();
        if entries.len() == 1 && entries[0].path().is_dir() {
            top = entries[0].path();
        }
    }
    std::fs::rename(&top, dest).map_err(io(format!("creating '{}'", dest.display())))?;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
