//! `pkgs/lib/systems/platform-tables.json` is generated from the Rust
//! tables and must be current. To regenerate it after changing a table:
//! `XNIX_BLESS=1 cargo test -p xnix-platform --test nix_tables`.

use std::path::Path;

use xnix_platform::nix_tables::{nix_tables_json, NIX_TABLES_PATH};

#[test]
fn generated_nix_tables_are_current() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(NIX_TABLES_PATH);
    let want = nix_tables_json();
    if std::env::var_os("XNIX_BLESS").is_some() {
        std::fs::write(&file, &want).unwrap();
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        have == want,
        "{} is not what the Rust tables give; regenerate it with \
         `XNIX_BLESS=1 cargo test -p xnix-platform --test nix_tables` and commit it",
        file.display()
    );
}

#[test]
fn tables_hold_what_the_collection_reads() {
    let v: serde_json::Value = serde_json::from_str(&nix_tables_json()).unwrap();
    assert_eq!(
        v["catalogue"]["aarch64-multiplatform"]["config"],
        "aarch64-unknown-linux-gnu"
    );
    assert_eq!(v["cpuRunsAlso"]["x86_64"], serde_json::json!(["i686"]));
    assert_eq!(
        v["gccArchInferiors"]["haswell"],
        serde_json::json!(["ivybridge", "x86-64-v3"])
    );
    assert_eq!(
        v["catalogue"].as_object().unwrap().len(),
        xnix_platform::catalogue().count()
    );
}
