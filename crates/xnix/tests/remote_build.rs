//! Remote builders (`xnix build --builders`) on an SSH test host: with
//! `-j 0` every derivation goes to the builder that declares its system (a
//! chain of two, so the first one's output travels to the builder as an
//! input of the second); outputs come back to the local store, checked; an
//! unreachable builder listed first is skipped; a system no builder declares
//! fails with a clear error. The build command is the serve protocol's
//! BuildDerivation both ways: xnix builds on xnix and on a machine running
//! only Nix 2.8, and Nix 2.8 (`nix-build --builders`) builds on xnix.

use std::path::Path;
use std::process::Output;

use xnix_formats::StoreDir;
use xnix_store::{LocalStore, LocalStoreConfig};
use xnix_test_support::ssh_hosts::Lab;
use xnix_test_support::unique_salt;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn build(lab: &Lab, root: &Path, expr: &str, builders: &str) -> Output {
    lab.xnix(XNIX)
        .arg("--store-root")
        .arg(root)
        .args([
            "build",
            "--no-out-link",
            "-j",
            "0",
            "--builders",
            builders,
            "-E",
            expr,
        ])
        .output()
        .unwrap()
}

fn chain(salt: &str, system: &str) -> String {
    format!(
        r#"let
  a = derivation {{ name = "remote-a"; system = "{system}"; builder = "/bin/sh"; args = [ "-c" "echo a-{salt} > $out" ]; }};
in derivation {{ name = "remote-b"; system = "{system}"; builder = "/bin/sh"; args = [ "-c" "read x < ${{a}}; echo \"b uses $x\" > $out" ]; }}"#
    )
}

#[test]
fn builds_go_to_the_builder_that_declares_their_system() {
    let mut lab = Lab::new();
    let builder = lab.host("builder", &[(Path::new(XNIX), "xnix")]);
    let root = lab.dir().join("local");
    let salt = unique_salt();
    let builders = format!(
        "ssh://root@10.77.99.2 x86_64-linux; ssh://{} x86_64-linux - 2",
        builder.destination()
    );

    let out = build(&lab, &root, &chain(&salt, "x86_64-linux"), &builders);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Here: the output, valid, with the builder's contents.
    let local = LocalStore::open(LocalStoreConfig::with_root(
        StoreDir::new("/xnix/store").unwrap(),
        &root,
    ))
    .unwrap();
    let p = local.parse_path(&path).unwrap();
    assert!(local.is_valid_path(&p).unwrap());
    let text = std::fs::read_to_string(local.real_path(&p)).unwrap();
    assert_eq!(text.trim(), format!("b uses a-{salt}"));
    assert!(local.verify().unwrap().is_clean());
    // There: both outputs were built (the first one's went in as an input).
    let remote = LocalStore::open(LocalStoreConfig::with_root(
        StoreDir::new("/xnix/store").unwrap(),
        builder.root(),
    ))
    .unwrap();
    assert!(remote.is_valid_path(&p).unwrap());
    let built_there = remote
        .query_all_valid_paths()
        .unwrap()
        .into_iter()
        .filter(|q| q.name() == "remote-a" || q.name() == "remote-b")
        .count();
    assert_eq!(built_there, 2);
    // Sent whole with the build command: no derivation file went there.
    assert!(
        !remote
            .query_all_valid_paths()
            .unwrap()
            .iter()
            .any(|q| q.is_derivation()),
        "the builder got .drv files"
    );

    // A system no builder declares.
    let out = build(&lab, &root, &chain(&salt, "aarch64-linux"), &builders);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("aarch64-linux"), "{err}");
}

#[test]
fn a_machine_running_only_nix_builds_through_its_own_serve_protocol() {
    let mut lab = Lab::new();
    // No xnix there: nix-store --serve answers, and Nix 2.8 builds.
    let nixonly = lab.host("nixonly", &[]);
    std::fs::write(
        nixonly.root().join("etc/nix/nix.conf"),
        "build-users-group =\nsandbox = false\nsubstituters =\n",
    )
    .unwrap();
    let root = lab.dir().join("local");
    let salt = unique_salt();
    let out = lab
        .xnix(XNIX)
        .arg("--store-dir")
        .arg("/nix/store")
        .arg("--store-root")
        .arg(&root)
        .args(["build", "--no-out-link", "-j", "0", "--builders"])
        .arg(format!("ssh://{} x86_64-linux", nixonly.destination()))
        .args(["-E", &chain(&salt, "x86_64-linux")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let local = LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), &root)).unwrap();
    let p = local.parse_path(&path).unwrap();
    let text = std::fs::read_to_string(local.real_path(&p)).unwrap();
    assert_eq!(text.trim(), format!("b uses a-{salt}"));
    assert!(local.verify().unwrap().is_clean());
    // Nix built it there and knows it.
    let (good, text) = lab.ssh(
        &nixonly,
        &format!("nix-store --verify-path {path} && echo valid"),
    );
    assert!(good && text.contains("valid"), "{text}");
}

#[test]
fn nix_builds_on_an_xnix_machine_through_the_serve_protocol() {
    let mut lab = Lab::new();
    // Nix's remote builds run `REMOTE-PROGRAM --serve --write` there: a
    // wrapper that is xnix serving /nix/store (the serve command takes
    // --serve).
    let wrapper = lab.dir().join("xnix-serve-nix");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nexec xnix --store-dir /nix/store serve --stdio \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let builder = lab.host(
        "xbuilder",
        &[(Path::new(XNIX), "xnix"), (&wrapper, "xnix-serve-nix")],
    );
    let local = lab.dir().join("nixlocal");
    let store = format!("local?root={}", local.display());
    let salt = unique_salt();
    let out = lab
        .command("nix-build")
        .args(["--no-out-link", "--store", &store, "--max-jobs", "0"])
        .arg("--builders")
        .arg(format!(
            "ssh://{}?remote-program=/usr/local/bin/xnix-serve-nix x86_64-linux - 1",
            builder.destination()
        ))
        .args(["-E", &chain(&salt, "x86_64-linux")])
        .env("NIX_SSHOPTS", lab.ssh_opts())
        .env("NIX_CONFIG", xnix_test_support::NIX_CONF)
        .env_remove("NIX_STORE_DIR")
        .env_remove("NIX_REMOTE")
        .output()
        .expect("nix-build (Nix 2.8) is required for this test");
    assert!(
        out.status.success(),
        "nix-build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Here: Nix has the output, valid, with what xnix built.
    let base = Path::new(&path).file_name().unwrap();
    let text = std::fs::read_to_string(local.join("nix/store").join(base)).unwrap();
    assert_eq!(text.trim(), format!("b uses a-{salt}"));
    let verify = lab
        .command("nix-store")
        .args(["--store", &store, "--verify-path", &path])
        .env("NIX_CONFIG", xnix_test_support::NIX_CONF)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // There: xnix built both (the first one's output went back as the
    // second one's input) from the derivations sent whole: no .drv there.
    let remote =
        LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), builder.root())).unwrap();
    let valid = remote.query_all_valid_paths().unwrap();
    let names: Vec<&str> = valid.iter().map(|p| p.name()).collect();
    assert!(
        names.contains(&"remote-a") && names.contains(&"remote-b"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".drv")), "{names:?}");
    assert!(remote
        .is_valid_path(&remote.parse_path(&path).unwrap())
        .unwrap());
    assert!(remote.verify().unwrap().is_clean());
}
