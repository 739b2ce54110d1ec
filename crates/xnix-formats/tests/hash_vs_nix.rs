//! Hash encodings compared with `nix-hash --to-base32/--to-base16/--to-sri`.

use xnix_formats::hash::{Hash, HashAlgo, HashEncoding};
use xnix_test_support::{nix, Rng};

#[test]
fn conversions_match_nix_hash() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for algo in HashAlgo::ALL {
        for round in 0..4 {
            let data = rng.bytes(round * 37 + 1);
            let h = Hash::digest(algo, &data);
            let b16 = h.to_base16();
            let t = algo.name();
            assert_eq!(
                nix("nix-hash", &["--type", t, "--to-base32", &b16]).trim(),
                h.to_base32(),
                "{algo} base32"
            );
            let b32 = h.to_base32();
            assert_eq!(
                nix("nix-hash", &["--type", t, "--to-base16", &b32]).trim(),
                b16,
                "{algo} base16"
            );
            // nix-hash 2.8 has no --to-sri; the new CLI does.
            assert_eq!(
                nix("nix", &["hash", "to-sri", "--type", t, &b32]).trim(),
                h.to_sri(),
                "{algo} sri"
            );
            assert_eq!(
                nix("nix", &["hash", "to-base64", "--type", t, &b16]).trim(),
                h.to_base64(),
                "{algo} base64"
            );
            // And our parser accepts every form Nix prints.
            for form in [
                HashEncoding::Base16,
                HashEncoding::Base32,
                HashEncoding::Base64,
                HashEncoding::Sri,
            ] {
                let text = h.encode(form, true);
                assert_eq!(Hash::parse(&text, None).unwrap(), h, "{text}");
                assert_eq!(Hash::parse(&text, Some(algo)).unwrap(), h, "{text}");
            }
        }
    }
}

#[test]
fn file_hashes_match_nix_hash_flat() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(42);
    let f = dir.path().join("data");
    std::fs::write(&f, rng.bytes(100_000)).unwrap();
    for algo in HashAlgo::ALL {
        let ours = Hash::digest_reader(algo, std::fs::File::open(&f).unwrap()).unwrap();
        let theirs = nix(
            "nix-hash",
            &["--flat", "--type", algo.name(), f.to_str().unwrap()],
        );
        assert_eq!(theirs.trim(), ours.to_base16());
    }
}

#[test]
fn hash_string_forms_match_builtins() {
    // builtins.hashString and convertHash-like parsing: Nix prints base16; we
    // parse Nix's SRI output and compare.
    let s = "hello \"xnix\"\n";
    for algo in HashAlgo::ALL {
        let expr = format!("builtins.hashString \"{}\" {:?}", algo.name(), s);
        let out = nix(
            "nix-instantiate",
            &[
                "--store",
                &xnix_test_support::scratch_store(),
                "--eval",
                "-E",
                &expr,
            ],
        );
        let ours = Hash::digest(algo, s.as_bytes());
        assert_eq!(out.trim().trim_matches('"'), ours.to_base16());
    }
}
