//! An SSH test host for the shell tests (xnix_test_support::ssh_hosts):
//!   xnix-test-lab switch XNIX STORE_ROOT FLAKE#NAME COMMAND
//! starts a lab with one host (named NAME, with XNIX installed for
//! `xnix serve`), deploys the system with
//! `xnix --store-root STORE_ROOT rebuild switch --flake FLAKE#NAME
//! --target-host root@HOST` from the lab, then runs COMMAND on the host over a
//! new SSH connection and prints its output. The exit status is 0 only when
//! both succeeded; the lab and its host are gone when the program ends.

use std::path::Path;
use std::process::ExitCode;

use xnix_test_support::ssh_hosts::Lab;

const USAGE: &str = "usage: xnix-test-lab switch XNIX_BINARY STORE_ROOT FLAKE#NAME COMMAND";

fn switch(xnix: &str, store_root: &str, installable: &str, command: &str) -> ExitCode {
    let Some((_, name)) = installable.rsplit_once('#') else {
        eprintln!("xnix-test-lab: '{installable}' names no configuration (FLAKE#NAME)\n{USAGE}");
        return ExitCode::from(2);
    };
    let mut lab = Lab::new();
    let host = lab.host(name, &[(Path::new(xnix), "xnix")]);
    let out = lab
        .xnix(xnix)
        .arg("--store-root")
        .arg(store_root)
        .args(["rebuild", "switch", "--flake", installable, "--target-host"])
        .arg(host.destination())
        .output()
        .expect("running xnix rebuild");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        eprintln!("xnix-test-lab: xnix rebuild switch failed ({})", out.status);
        return ExitCode::FAILURE;
    }
    let (ok, text) = lab.ssh(&host, command);
    print!("{text}");
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("xnix-test-lab: the command failed on {}", host.name);
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["switch", xnix, store_root, installable, command] => {
            switch(xnix, store_root, installable, command)
        }
        ["-h" | "--help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
