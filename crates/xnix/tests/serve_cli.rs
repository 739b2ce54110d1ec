//! `xnix serve --stdio` against Nix 2.8's client: `nix copy --to/--from
//! ssh://localhost?remote-program=...` (Nix's legacy SSH store, which runs
//! the remote program through a local shell for `localhost`) copies closures
//! into and out of an xnix store through the serve protocol. Nix missing is
//! a failure, not a skip.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use xnix_formats::StoreDir;
use xnix_store::{LocalStore, LocalStoreConfig};
use xnix_test_support::{nix, nix_dump, nix_linked_texts, nix_output, store_uri, unique_salt};

/// A script that runs `xnix serve` on the store under `root` with Nix's
/// store directory, taking the `--serve --write` Nix appends.
fn serve_wrapper(dir: &Path, root: &Path) -> String {
    let script = dir.join("xnix-serve");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} --store-dir /nix/store --store-root {} serve --stdio \"$@\"\n",
            env!("CARGO_BIN_EXE_xnix"),
            root.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

fn export(store: &LocalStore, full: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .export_nar(&store.parse_path(full).unwrap(), &mut out)
        .unwrap();
    out
}

#[test]
fn nix_copies_to_and_from_xnix_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let nuri = store_uri(&tmp.path().join("n"));
    let xroot = tmp.path().join("x");
    let wrapper = serve_wrapper(tmp.path(), &xroot);
    let remote = format!("ssh://localhost?remote-program={wrapper}");
    let salt = unique_salt();

    // Nix -> xnix: Nix's client adds its paths with AddToStoreNar.
    let top = nix_linked_texts(&nuri, &salt);
    nix("nix", &["copy", "--from", &nuri, "--to", &remote, &top]);
    let store = LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), &xroot)).unwrap();
    let closure = store
        .closure(&[store.parse_path(&top).unwrap()].into())
        .unwrap();
    assert_eq!(closure.len(), 2, "the whole closure arrived");
    for p in &closure {
        let full = store.print_path(p);
        assert_eq!(export(&store, &full), nix_dump(&nuri, &full), "{full}");
    }
    assert!(store.verify().unwrap().is_clean());

    // xnix -> Nix: a path only xnix has, with a reference to Nix's.
    let own = store
        .add_text_to_store(
            "own",
            format!("xnix {salt} uses {top}").as_bytes(),
            &[store.parse_path(&top).unwrap()].into(),
        )
        .unwrap();
    let own = store.print_path(&own);
    drop(store);
    let n2 = store_uri(&tmp.path().join("n2"));
    nix(
        "nix",
        &[
            "copy",
            "--no-check-sigs",
            "--from",
            &remote,
            "--to",
            &n2,
            &own,
        ],
    );
    let store = LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), &xroot)).unwrap();
    for p in [&own, &top] {
        assert_eq!(nix_dump(&n2, p), export(&store, p), "{p}");
        nix("nix-store", &["--store", &n2, "--verify-path", p]);
    }
    let refs = nix(
        "nix-store",
        &["--store", &n2, "--query", "--references", &own],
    );
    assert_eq!(refs.trim(), top);

    // Nix asks for a path xnix does not have: a clear failure.
    let missing = top.replace(&top[11..15], "0000");
    let out = nix_output(
        "nix",
        &[
            "copy",
            "--no-check-sigs",
            "--from",
            &remote,
            "--to",
            &n2,
            &missing,
        ],
        "",
    );
    assert!(!out.status.success());
}

#[test]
fn serve_without_stdio_is_an_error_and_help_has_examples() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xnix"))
        .args(["serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--stdio"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xnix"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
}
