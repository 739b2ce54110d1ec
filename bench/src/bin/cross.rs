//! Cross build against native build of the same package, in one run.
//!
//! For each repetition, a fresh store root gets the package's source fetched
//! (untimed), then the package is built natively (`-A PKG`) and for the
//! cross target (`-A pkgsCross.TARGET.PKG`), alternating which goes first.
//! Both builds include their compiler wrapper, so the comparison is the whole
//! cost of getting the package. Prints the medians and the ratio cross/native
//! (target: within 1.15x). No assertion on time: the machine is shared.
//!
//!     cargo build --release -p xnix && cargo run --release -p xnix-bench --bin cross -- [PKG] [TARGET] [--reps N]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use xnix_bench::{find_xnix, median, run_measured, workspace_root, Table};

fn build(xnix: &Path, root: &Path, attr: &str) -> Result<Duration, String> {
    let pkgs = workspace_root().join("pkgs");
    let mut cmd = Command::new(xnix);
    cmd.arg("build")
        .arg(&pkgs)
        .args(["-A", attr, "--no-out-link"])
        .env("XNIX_STORE_ROOT", root)
        .env("XNIX_STORE_DIR", "/xnix/store")
        .env_remove("XNIX_STATE_DIR");
    let m = run_measured(&mut cmd).map_err(|e| format!("running xnix: {e}"))?;
    if !m.status.success() {
        return Err(format!(
            "xnix build -A {attr} failed:\n{}",
            String::from_utf8_lossy(&m.stderr)
        ));
    }
    Ok(m.wall)
}

fn main() {
    let mut positional = Vec::new();
    let mut reps = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--reps" {
            reps = args
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or_else(|| {
                    eprintln!("--reps takes a positive whole number");
                    std::process::exit(2)
                });
        } else {
            positional.push(a);
        }
    }
    let pkg = positional.first().cloned().unwrap_or_else(|| "lua".into());
    let target = positional
        .get(1)
        .cloned()
        .unwrap_or_else(|| "aarch64-multiplatform".into());
    let xnix = find_xnix().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let native_attr = pkg.clone();
    let cross_attr = format!("pkgsCross.{target}.{pkg}");

    let (mut native, mut cross) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        let root = tempfile::tempdir().expect("scratch store root");
        // The download is the same for both and is not what is compared.
        if let Err(e) = build(&xnix, root.path(), &format!("{pkg}.src")) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        let order: [(&str, bool); 2] = if rep % 2 == 0 {
            [(&native_attr, false), (&cross_attr, true)]
        } else {
            [(&cross_attr, true), (&native_attr, false)]
        };
        for (attr, is_cross) in order {
            match build(&xnix, root.path(), attr) {
                Ok(t) if is_cross => cross.push(t.as_secs_f64()),
                Ok(t) => native.push(t.as_secs_f64()),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(root.path())
            .status();
    }
    let (n, c) = (median(&native).unwrap(), median(&cross).unwrap());
    let ratio = c / n;
    let mut table = Table::new([
        "package",
        "native s",
        "cross s",
        "cross/native",
        "target <= 1.15",
    ]);
    table.row([
        format!("{pkg} -> {target}"),
        format!("{n:.2}"),
        format!("{c:.2}"),
        format!("{ratio:.2}"),
        if ratio <= 1.15 { "met" } else { "not met" }.to_string(),
    ]);
    println!("{}", table.render());
    println!("medians of {reps} repetitions, each in a fresh store");
}
