//! Toolchain set-up benchmark: what a group of the Debian lock (by default
//! the aarch64 cross compiler, `gcc-cross-aarch64` of the amd64 lock) costs
//! the first time, in a fresh store, and when it is already there.
//!
//! 1. download: `xnix build` of the group's locked `.deb` files from a
//!    `file://` copy of the archive's pool (so the network does not count);
//! 2. unpack: `xnix build` of the group's unpacked tree (`builtin:unpack-debs`),
//!    its `.deb`s now in the store;
//! 3. present: the same build again: evaluation, then finding it valid.
//!
//! First set-up = download + unpack. Printed: medians of `--reps` fresh
//! stores (wall and CPU), MB/s of `.deb` bytes (download) and of the
//! unpacked tree's NAR size (unpack), and the ratio first set-up / present.
//! Nothing is asserted about speed.
//!
//! The mirror copy is the pure-build tests' `.deb` cache (XNIX_TEST_DEB_CACHE,
//! default /var/cache/xnix-test/debian) or `--mirror DIR`; `.deb`s missing
//! from it are fetched once, untimed, through the machine's Debian archive
//! and added to it.
//!
//! Usage: `cargo run --release -p xnix-bench --bin toolchain -- [--reps N] [--group NAME] [--mirror DIR]`
//! (needs `cargo build --release -p xnix` first, or `XNIX_BIN=/path/to/xnix`).
//! Exit status: 0 when everything ran, 2 on a set-up or build error.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use xnix_bench::{find_xnix, median, run_measured, workspace_root, Measurement, Table};

struct Options {
    reps: usize,
    group: String,
    mirror: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        reps: 3,
        group: "gcc-cross-aarch64".into(),
        mirror: std::env::var_os("XNIX_TEST_DEB_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/cache/xnix-test/debian")),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} expects a value"));
        match arg.as_str() {
            "--reps" => {
                o.reps = value("--reps")?
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--reps expects a positive number")?
            }
            "--group" => o.group = value("--group")?,
            "--mirror" => o.mirror = PathBuf::from(value("--mirror")?),
            "-h" | "--help" => {
                return Err(
                    "usage: toolchain [--reps N] [--group NAME] [--mirror DIR]\n\
                    First set-up (download from a file:// mirror copy, unpack) of a group of the\n\
                    amd64 Debian lock in a fresh store, against finding it already there."
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(o)
}

/// The group's locked `.deb`s: (pool file name, store name suffix, size).
fn group_debs(group: &str) -> Result<Vec<(String, String, u64)>, String> {
    let file = workspace_root().join("pkgs/debian/bookworm-amd64.json");
    let lock: serde_json::Value = fs::read_to_string(&file)
        .map_err(|e| format!("reading {}: {e}", file.display()))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{}: {e}", file.display())))?;
    let members = lock["closures"][group].as_array().ok_or_else(|| {
        format!(
            "the amd64 lock has no group {group:?} (groups: {})",
            lock["closures"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        )
    })?;
    let packages = lock["packages"].as_array().cloned().unwrap_or_default();
    members
        .iter()
        .map(|m| {
            let e = packages
                .iter()
                .find(|e| e["package"] == *m)
                .ok_or_else(|| format!("{m} of group {group} is not in the lock"))?;
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            // How pkgs/debian/default.nix names a `.deb`'s store path.
            let name = format!(
                "{}_{}_{}.deb",
                s("package"),
                s("version"),
                s("architecture")
            )
            .replace(['~', ':'], "-")
            .replace("%3a", "-");
            Ok((s("filename"), name, e["size"].as_u64().unwrap_or(0)))
        })
        .collect()
}

/// One store under a scratch root.
struct Store<'a> {
    xnix: &'a Path,
    root: PathBuf,
}

impl Store<'_> {
    fn build(&self, mirrors: &str, expr: &str) -> Result<Measurement, String> {
        let mut c = Command::new(self.xnix);
        c.args(["build", "--no-out-link", "-E", expr])
            .env("XNIX_STORE_ROOT", &self.root)
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env("XNIX_MIRROR_DEBIAN", mirrors)
            .env_remove("XNIX_STATE_DIR")
            .env_remove("XNIX_SUBSTITUTERS");
        let m = run_measured(&mut c).map_err(|e| format!("cannot run xnix: {e}"))?;
        if !m.status.success() {
            return Err(format!(
                "xnix build -E '{expr}' failed:\n{}",
                String::from_utf8_lossy(&m.stderr)
            ));
        }
        Ok(m)
    }

    fn nar_size(&self, path: &str) -> Result<u64, String> {
        let o = Command::new(self.xnix)
            .args(["path-info", "--json", path])
            .env("XNIX_STORE_ROOT", &self.root)
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR")
            .output()
            .map_err(|e| format!("cannot run xnix: {e}"))?;
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .map_err(|e| format!("path-info --json {path}: {e}"))?;
        v[0]["narSize"]
            .as_u64()
            .ok_or_else(|| format!("path-info gave no narSize for {path}"))
    }

    /// Copies the group's `.deb`s found in this store into the mirror copy.
    fn fill_mirror(&self, debs: &[(String, String, u64)], mirror: &Path) -> Result<(), String> {
        let store = self.root.join("xnix/store");
        let entries: Vec<_> = fs::read_dir(&store)
            .map_err(|e| format!("reading {}: {e}", store.display()))?
            .flatten()
            .collect();
        for (pool, name, _) in debs {
            let dest = mirror.join(pool);
            if dest.exists() {
                continue;
            }
            let Some(found) = entries.iter().find(|d| {
                d.file_name()
                    .to_string_lossy()
                    .split_once('-')
                    .is_some_and(|(_, n)| n == name)
            }) else {
                return Err(format!("{name} was not fetched"));
            };
            let parent = dest.parent().unwrap_or(mirror);
            fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
            let tmp = dest.with_extension("part");
            fs::copy(found.path(), &tmp)
                .map_err(|e| format!("copying into {}: {e}", tmp.display()))?;
            fs::rename(&tmp, &dest).map_err(|e| format!("renaming {}: {e}", tmp.display()))?;
        }
        Ok(())
    }
}

/// (wall, CPU) of each repetition of a phase.
type Times = [(Duration, Duration)];

fn secs(d: f64) -> String {
    format!("{d:.2} s")
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("toolchain bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(o: &Options) -> Result<(), String> {
    let xnix = find_xnix()?;
    let debs = group_debs(&o.group)?;
    let deb_bytes: u64 = debs.iter().map(|d| d.2).sum();
    let pkgs = workspace_root().join("pkgs");
    let lock = format!("(import {}/debian {{ }})", pkgs.display());
    let debs_expr = format!(
        "let d = {lock}; in map (n: d.debs.amd64.${{n}}) d.locks.amd64.closures.{:?}",
        o.group
    );
    let group_expr = format!("{lock}.groups.amd64.{:?}", o.group);
    let mirror = format!("file://{}", o.mirror.display());
    let work = tempfile::tempdir().map_err(|e| format!("creating a scratch directory: {e}"))?;

    // The mirror copy must hold every `.deb`: fetch what it lacks, untimed.
    let missing = debs
        .iter()
        .filter(|d| !o.mirror.join(&d.0).is_file())
        .count();
    if missing > 0 {
        let real = xnix_debian_mirror()?;
        eprintln!(
            "{missing} of {} .debs are not in {}; fetching them once from {real} (untimed)",
            debs.len(),
            o.mirror.display()
        );
        let prime = Store {
            xnix: &xnix,
            root: work.path().join("prime"),
        };
        prime.build(&format!("{mirror} {real}"), &debs_expr)?;
        prime.fill_mirror(&debs, &o.mirror)?;
        remove_store(&prime.root);
    }

    let (mut download, mut unpack, mut present) = (vec![], vec![], vec![]);
    let mut tree_bytes = 0;
    for rep in 0..o.reps {
        let store = Store {
            xnix: &xnix,
            root: work.path().join(format!("store-{rep}")),
        };
        let d = store.build(&mirror, &debs_expr)?;
        let u = store.build(&mirror, &group_expr)?;
        let tree = String::from_utf8_lossy(&u.stdout).trim().to_string();
        tree_bytes = store.nar_size(&tree)?;
        let p = store.build(&mirror, &group_expr)?;
        if !String::from_utf8_lossy(&p.stderr).trim().is_empty()
            && String::from_utf8_lossy(&p.stderr).contains("building '")
        {
            return Err(format!("the second build of {tree} built again"));
        }
        eprintln!(
            "rep {}: download {:.2} s, unpack {:.2} s, present {:.3} s",
            rep + 1,
            d.wall.as_secs_f64(),
            u.wall.as_secs_f64(),
            p.wall.as_secs_f64()
        );
        download.push((d.wall, d.cpu));
        unpack.push((u.wall, u.cpu));
        present.push((p.wall, p.cpu));
        remove_store(&store.root);
    }
    let med = |v: &[(Duration, Duration)], cpu: bool| -> f64 {
        let xs: Vec<f64> = v
            .iter()
            .map(|(w, c)| if cpu { c } else { w }.as_secs_f64())
            .collect();
        median(&xs).unwrap_or(0.0)
    };
    let first: Vec<(Duration, Duration)> = download
        .iter()
        .zip(&unpack)
        .map(|(d, u)| (d.0 + u.0, d.1 + u.1))
        .collect();
    let mb = |bytes: u64, s: f64| {
        if s > 0.0 {
            format!("{:.1} MB/s", bytes as f64 / 1e6 / s)
        } else {
            "-".into()
        }
    };
    // Throughput per wall second and per CPU second (on a loaded machine
    // the second says more about xnix itself).
    let mut table = Table::new(["phase", "wall", "CPU", "per wall s", "per CPU s"]);
    let rows: [(String, &Times, u64); 3] = [
        (
            format!(
                "download ({} .debs, {:.1} MB)",
                debs.len(),
                deb_bytes as f64 / 1e6
            ),
            &download,
            deb_bytes,
        ),
        (
            format!("unpack (tree {:.1} MB)", tree_bytes as f64 / 1e6),
            &unpack,
            tree_bytes,
        ),
        ("first set-up (of .deb MB)".to_string(), &first, deb_bytes),
    ];
    for (phase, times, bytes) in rows {
        table.row([
            phase,
            secs(med(times, false)),
            secs(med(times, true)),
            mb(bytes, med(times, false)),
            mb(bytes, med(times, true)),
        ]);
    }
    table.row([
        "already in the store".to_string(),
        secs(med(&present, false)),
        secs(med(&present, true)),
        String::new(),
        String::new(),
    ]);
    println!(
        "toolchain set-up: group {} of the amd64 lock, {} fresh store(s), {} ({})",
        o.group,
        o.reps,
        xnix.display(),
        mirror
    );
    print!("{}", table.render());
    let p = med(&present, false);
    if p > 0.0 {
        println!(
            "ratio first set-up / already in the store: {:.1}x wall, {:.1}x CPU",
            med(&first, false) / p,
            med(&first, true) / med(&present, true).max(1e-3)
        );
    }
    Ok(())
}

/// The Debian archive of this machine's APT sources.
fn xnix_debian_mirror() -> Result<String, String> {
    xnix_debian::apt::debian_mirror_from_apt(Path::new("/"))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            "this machine's APT sources name no Debian archive; pass --mirror with every .deb"
                .into()
        })
}

/// Store trees are read-only; make them writable, then remove them.
fn remove_store(root: &Path) {
    let _ = Command::new("chmod").args(["-R", "u+w"]).arg(root).status();
    let _ = fs::remove_dir_all(root);
}
