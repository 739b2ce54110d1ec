//! `.narinfo` files written by `nix copy --to file://...` parse and reprint
//! byte for byte, and their NAR hashes, sizes and NAR files agree with ours.

use std::fs;
use xnix_formats::hash::{Hash, HashAlgo};
use xnix_formats::narinfo::NarInfo;
use xnix_formats::path::StoreDir;
use xnix_fs::nar;
use xnix_test_support::{nix, store_uri};

#[test]
fn narinfo_from_nix_copy_roundtrips() {
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let uri = store_uri(root.path());
    let out = nix(
        "nix-instantiate",
        &[
            "--store",
            &uri,
            "-E",
            r#"
          let a = builtins.toFile "a" "A\n"; b = builtins.toFile "b" "B uses ${a}\n";
          in derivation { name = "d"; system = "x"; builder = "/bin/sh";
                          c = builtins.toFile "c" "C uses ${a} and ${b}\n"; }"#,
        ],
    );
    // Instantiating (not just evaluating) writes the text files; copy c,
    // whose closure holds a and b.
    let sd = StoreDir::nix();
    let drv_path = sd.parse(out.trim()).unwrap();
    let drv_text =
        fs::read_to_string(root.path().join(out.trim().trim_start_matches('/'))).unwrap();
    let drv = xnix_formats::Derivation::parse_aterm(&sd, "d", &drv_text).unwrap();
    assert!(drv_path.is_derivation());
    let top = drv.env["c"].as_str();
    nix(
        "nix",
        &[
            "copy",
            "--from",
            &uri,
            "--to",
            &format!("file://{}?compression=none", cache.path().display()),
            top,
        ],
    );
    let mut seen = 0;
    for e in fs::read_dir(cache.path()).unwrap() {
        let e = e.unwrap();
        if !e.file_name().to_str().unwrap().ends_with(".narinfo") {
            continue;
        }
        let text = fs::read_to_string(e.path()).unwrap();
        let ni = NarInfo::parse(&sd, &text).unwrap();
        assert_eq!(ni.to_text(&sd), text);
        let physical = root
            .path()
            .join(sd.print(&ni.store_path).trim_start_matches('/'));
        let (h, size) = nar::nar_hash(&physical).unwrap();
        assert_eq!((h, size), (ni.nar_hash.clone(), ni.nar_size));
        let file = fs::read(cache.path().join(&ni.url)).unwrap();
        let mut ours = Vec::new();
        nar::dump_path(&physical, &mut ours).unwrap();
        assert!(file == ours, "NAR file of {} differs", ni.store_path);
        assert_eq!(ni.file_hash, Some(Hash::digest(HashAlgo::Sha256, &file)));
        seen += 1;
    }
    assert_eq!(seen, 3);
}
