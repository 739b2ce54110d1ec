//! Store and build benchmark, xnix next to Nix 2.8 in the same run:
//!
//! 1. a no-op `xnix build` of a 1,000-derivation graph that is already built
//!    (target: under 100 ms), next to `nix-build` on the same generated
//!    `.nix` file. xnix uses a scratch store root; Nix uses the machine's
//!    /nix/store (a Nix store under another root builds in a chroot that has
//!    no /bin/sh), unsandboxed, so the trivial builders run the host's shell;
//! 2. NAR serialisation + SHA-256 of a generated tree of mixed files (200 MiB
//!    by default): `xnix store dump PATH | sha256sum`, the same in-process
//!    (`xnix_fs::nar::nar_hash`), and `nix-store --dump PATH | sha256sum`;
//!    all three hashes must agree.
//!
//! Times are medians of `--reps` runs; ratios are xnix/Nix. Nothing is
//! asserted about speed.
//!
//! Usage: `cargo run --release -p xnix-bench --bin store -- [--reps N] [--drvs N] [--mib N]`
//! (needs `cargo build --release -p xnix` first, or `XNIX_BIN=/path/to/xnix`).
//! Exit status: 0 when everything ran and agreed, 1 when outputs disagreed,
//! 2 on a set-up error.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use xnix_bench::{find_xnix, median, program_available, run_measured, Table};

struct Options {
    reps: usize,
    drvs: usize,
    mib: usize,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        reps: 5,
        drvs: 1000,
        mib: 200,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n: &usize| n > 0)
                .ok_or_else(|| format!("{name} expects a positive number"))
        };
        match arg.as_str() {
            "--reps" => o.reps = num("--reps")?,
            "--drvs" => o.drvs = num("--drvs")?,
            "--mib" => o.mib = num("--mib")?,
            "-h" | "--help" => {
                return Err("usage: store [--reps N] [--drvs N] [--mib N]\n\
                    No-op build of an N-derivation graph (xnix build vs nix-build) and NAR dump +\n\
                    SHA-256 throughput of a generated tree of N MiB (xnix vs nix-store --dump)."
                    .into())
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(o)
}

/// A graph of `n` trivial derivations: each depends on its predecessor and
/// on the one at half its index; `top` depends on the last ones.
fn graph_nix(n: usize) -> String {
    let mut s = String::from(
        "let\n  mk = name: deps: derivation {\n    inherit name deps;\n    system = builtins.currentSystem;\n    builder = \"/bin/sh\";\n    args = [ \"-c\" \"echo $name > $out\" ];\n  };\n",
    );
    for i in 0..n {
        let deps = match i {
            0 => String::new(),
            _ => format!("d{} d{}", i - 1, i / 2),
        };
        let _ = writeln!(s, "  d{i} = mk \"node-{i}\" [ {deps} ];");
    }
    let _ = writeln!(s, "in {{ top = d{}; }}", n - 1);
    s
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn timed(cmd: &mut Command, what: &str) -> Result<(Duration, Vec<u8>), String> {
    let m = run_measured(cmd).map_err(|e| format!("cannot run {what}: {e}"))?;
    if !m.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            m.status,
            String::from_utf8_lossy(&m.stderr)
        ));
    }
    Ok((m.wall, m.stdout))
}

fn nix_env(c: &mut Command) -> &mut Command {
    c.env(
        "NIX_CONFIG",
        "experimental-features = nix-command\nsandbox = false\nsubstituters =\n",
    )
    .env_remove("NIX_PATH")
    .env_remove("NIX_STORE_DIR")
}

fn noop_build(xnix: &Path, work: &Path, o: &Options, table: &mut Table) -> Result<bool, String> {
    let file = work.join("graph.nix");
    fs::write(&file, graph_nix(o.drvs)).map_err(|e| e.to_string())?;
    let xroot = work.join("xnix-root");
    let xnix_cmd = || {
        let mut c = Command::new(xnix);
        c.arg("build")
            .arg(&file)
            .args(["-A", "top", "--no-out-link", "-j", "2"])
            .arg("--store-root")
            .arg(&xroot)
            .env_remove("XNIX_STORE_DIR")
            .env_remove("XNIX_STATE_DIR");
        c
    };
    let nix_cmd = || {
        let mut c = Command::new("nix-build");
        nix_env(&mut c)
            .arg(&file)
            .args(["-A", "top", "--no-out-link", "-j", "2"]);
        c
    };
    eprintln!(
        "building the {}-derivation graph once with each (not timed for the table)...",
        o.drvs
    );
    let (xfirst, xout) = timed(&mut xnix_cmd(), "xnix build (first)")?;
    let (nfirst, nout) = timed(&mut nix_cmd(), "nix-build (first)")?;
    eprintln!(
        "  first build: xnix {:.2} s, nix-build {:.2} s",
        secs(xfirst),
        secs(nfirst)
    );
    let mut xt = Vec::new();
    let mut nt = Vec::new();
    let mut same = true;
    for _ in 0..o.reps {
        let (t, out) = timed(&mut xnix_cmd(), "xnix build (no-op)")?;
        same &= out == xout;
        xt.push(secs(t) * 1000.0);
        let (t, out) = timed(&mut nix_cmd(), "nix-build (no-op)")?;
        same &= out == nout;
        nt.push(secs(t) * 1000.0);
    }
    let x = median(&xt).unwrap_or(f64::NAN);
    let n = median(&nt).unwrap_or(f64::NAN);
    table.row([
        format!("no-op build, {} drvs", o.drvs),
        format!("{x:.1} ms"),
        format!("{n:.1} ms"),
        format!("{:.2}", x / n),
        format!(
            "target < 100 ms: {}",
            if x < 100.0 { "met" } else { "missed" }
        ),
    ]);
    Ok(same)
}

/// A deterministic tree of roughly `mib` MiB: many small files, some large
/// ones, executables, symlinks, nested directories.
fn generate_tree(root: &Path, mib: usize) -> std::io::Result<u64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let budget = (mib as u64) << 20;
    let mut written = 0u64;
    let mut i = 0usize;
    let chunk: Vec<u8> = (0..(1 << 20)).map(|k| (k * 31 % 253) as u8).collect();
    while written < budget {
        let dir = root.join(format!("d{}/e{}", i % 17, i % 5));
        fs::create_dir_all(&dir)?;
        let size = match next() % 100 {
            0..=79 => next() % 8192,                // small files
            80..=97 => 8192 + next() % (256 << 10), // medium
            _ => (1 << 20) + next() % (8 << 20),    // large
        };
        let path = dir.join(format!("f{i}"));
        let mut data = Vec::with_capacity(size as usize);
        while (data.len() as u64) < size {
            let take = ((size as usize) - data.len()).min(chunk.len());
            data.extend_from_slice(&chunk[..take]);
        }
        if let Some(b) = data.first_mut() {
            *b = i as u8;
        }
        fs::write(&path, &data)?;
        if next() % 10 == 0 {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        }
        if next() % 20 == 0 {
            symlink(format!("f{i}"), dir.join(format!("l{i}")))?;
        }
        written += size;
        i += 1;
    }
    Ok(written)
}

fn pipe_sha(cmd: &str, path: &Path, what: &str) -> Result<(Duration, String), String> {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("{cmd} \"$0\" | sha256sum"))
        .arg(path);
    nix_env(&mut c);
    let (t, out) = timed(&mut c, what)?;
    let hex = String::from_utf8_lossy(&out)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    Ok((t, hex))
}

fn nar_throughput(
    xnix: &Path,
    work: &Path,
    o: &Options,
    table: &mut Table,
) -> Result<bool, String> {
    let tree = work.join("tree");
    eprintln!("generating a {} MiB tree...", o.mib);
    let bytes = generate_tree(&tree, o.mib).map_err(|e| format!("generating the tree: {e}"))?;
    let mib = bytes as f64 / (1 << 20) as f64;
    let xcmd = format!("'{}' store dump", xnix.display());
    // Warm the page cache and check that all three agree.
    let (_, xhex) = pipe_sha(&xcmd, &tree, "xnix store dump | sha256sum")?;
    let (_, nhex) = pipe_sha("nix-store --dump", &tree, "nix-store --dump | sha256sum")?;
    let (inproc, _) = xnix_fs::nar::nar_hash(&tree).map_err(|e| e.to_string())?;
    let ihex = inproc.to_base16();
    let same = xhex == nhex && ihex == nhex;
    if !same {
        eprintln!("NAR hashes disagree: xnix pipe {xhex}, in-process {ihex}, nix-store {nhex}");
    }
    let (mut xt, mut it, mut nt) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..o.reps {
        xt.push(secs(pipe_sha(&xcmd, &tree, "xnix store dump")?.0));
        let start = Instant::now();
        xnix_fs::nar::nar_hash(&tree).map_err(|e| e.to_string())?;
        it.push(secs(start.elapsed()));
        nt.push(secs(
            pipe_sha("nix-store --dump", &tree, "nix-store --dump")?.0,
        ));
    }
    let x = median(&xt).unwrap_or(f64::NAN);
    let i = median(&it).unwrap_or(f64::NAN);
    let n = median(&nt).unwrap_or(f64::NAN);
    table.row([
        format!("dump | sha256sum, {mib:.0} MiB"),
        format!("{:.0} ms ({:.0} MiB/s)", x * 1000.0, mib / x),
        format!("{:.0} ms ({:.0} MiB/s)", n * 1000.0, mib / n),
        format!("{:.2}", x / n),
        String::new(),
    ]);
    table.row([
        format!("NAR hash in-process, {mib:.0} MiB"),
        format!("{:.0} ms ({:.0} MiB/s)", i * 1000.0, mib / i),
        format!("{:.0} ms ({:.0} MiB/s)", n * 1000.0, mib / n),
        format!("{:.2}", i / n),
        "Nix column: nix-store --dump | sha256sum".to_string(),
    ]);
    Ok(same)
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let xnix = match find_xnix() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for p in ["nix-build", "nix-store", "sha256sum"] {
        if !program_available(p) {
            eprintln!(
                "{p} is needed (Nix 2.8 and coreutils): scripts/install-deps test installs them"
            );
            return ExitCode::from(2);
        }
    }
    let work = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a scratch directory: {e}");
            return ExitCode::from(2);
        }
    };
    let mut table = Table::new(["benchmark", "xnix", "Nix 2.8", "xnix/Nix", "note"]);
    let mut ok = true;
    let work_path: PathBuf = work.path().to_path_buf();
    match noop_build(&xnix, &work_path, &o, &mut table) {
        Ok(same) => ok &= same,
        Err(e) => {
            eprintln!("no-op build benchmark failed: {e}");
            ok = false;
        }
    }
    match nar_throughput(&xnix, &work_path, &o, &mut table) {
        Ok(same) => ok &= same,
        Err(e) => {
            eprintln!("NAR benchmark failed: {e}");
            ok = false;
        }
    }
    println!("{}", table.render());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
