//! Derivations compared with `nix-instantiate`: Nix writes `.drv` files into a
//! scratch store; we parse each one, reprint it byte for byte, recompute its
//! output paths the way `derivationStrict` does, and recompute its own path.

use std::collections::BTreeMap;
use std::path::Path;
use xnix_formats::derivation::{Derivation, DrvHashCache};
use xnix_formats::path::StoreDir;
use xnix_formats::StorePath;
use xnix_test_support::{nix, store_uri};

const EXPR: &str = r#"
let
  sys = "x86_64-linux";
  mk = attrs: derivation ({ system = sys; builder = "/bin/sh"; } // attrs);
  single = mk { name = "single"; args = [ "-c" "echo \"quoted\" \\ back\n\tnew\rline" ]; };
  multi = mk { name = "multi"; outputs = [ "out" "dev" "lib" ]; };
  flat = algo: hash: mk { name = "flat-${algo}"; outputHashAlgo = algo; outputHash = hash; };
  rec_ = algo: hash: mk { name = "rec-${algo}"; outputHashMode = "recursive"; outputHashAlgo = algo; outputHash = hash; };
  sri = mk { name = "sri"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };
  fixeds = [
    (flat "md5" "d41d8cd98f00b204e9800998ecf8427e")
    (flat "sha1" "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    (flat "sha256" "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73")
    (flat "sha512" "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    (rec_ "md5" "d41d8cd98f00b204e9800998ecf8427e")
    (rec_ "sha1" "0000000000000000000000000000000000000000")
    (rec_ "sha256" "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s")
    (rec_ "sha512" "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")
    sri
  ];
  src = ./input.txt;
  text = builtins.toFile "script.sh" "echo hello\n";
  dependent = mk {
    name = "dependent";
    passAsFile = [ "big" ];
    big = "a long value";
    deps = [ single multi.dev multi.lib src text ] ++ fixeds;
    multiOut = multi;
    unicode = "ünïcödé ✓";
  };
  onFixed = mk { name = "on-fixed"; x = builtins.elemAt fixeds 2; y = sri; };
  chain = mk { name = "chain"; x = dependent; y = onFixed; outputs = [ "bin" "out" ]; };
in [ single multi dependent onFixed chain ] ++ fixeds
"#;

fn physical(root: &Path, sd: &StoreDir, p: &StorePath) -> std::path::PathBuf {
    root.join(sd.print(p).trim_start_matches('/'))
}

#[test]
fn drv_files_roundtrip_and_paths_match_nix() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("input.txt"), "some input\n").unwrap();
    let file = work.path().join("expr.nix");
    std::fs::write(&file, EXPR).unwrap();
    let printed = nix(
        "nix-instantiate",
        &["--store", &store_uri(root.path()), file.to_str().unwrap()],
    );
    let sd = StoreDir::nix();
    // Nix prints `drv!output` for outputs other than `out`.
    let top: Vec<StorePath> = printed
        .lines()
        .map(|l| sd.parse(l.trim().split('!').next().unwrap()).unwrap())
        .collect();
    assert_eq!(top.len(), 14);

    let mut cache = DrvHashCache::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(root.path().join("nix/store")).unwrap() {
        let entry = entry.unwrap();
        let base = entry.file_name().into_string().unwrap();
        if !base.ends_with(".drv") {
            continue;
        }
        let path = StorePath::from_base_name(&base).unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let name = base[33..].strip_suffix(".drv").unwrap();
        let drv =
            Derivation::parse_aterm(&sd, name, &text).unwrap_or_else(|e| panic!("{base}: {e}"));
        // (a) exact reprint
        assert_eq!(drv.to_aterm(&sd), text, "{base} reprint");
        // (b) output paths as derivationStrict computes them, and the drv path
        let mut read =
            |p: &StorePath| Ok(std::fs::read_to_string(physical(root.path(), &sd, p)).unwrap());
        for input in drv.input_drvs.keys() {
            cache.hash_from_files(&sd, input, &mut read).unwrap();
        }
        let mut fresh = drv.clone();
        for o in fresh.outputs.values_mut() {
            o.path = None;
        }
        for k in drv.outputs.keys() {
            fresh.env.remove(k);
        }
        fresh.fill_output_paths(&sd, cache.lookup()).unwrap();
        assert_eq!(fresh, drv, "{base} output paths");
        assert_eq!(fresh.drv_path(&sd).unwrap(), path, "{base} drv path");
        checked += 1;
    }
    assert_eq!(checked, 14);
    // The list Nix printed is the set of top-level drvs we checked.
    for p in &top {
        assert!(physical(root.path(), &sd, p).exists());
    }
}

/// Recreate every derivation bottom-up the way the evaluator does, with the
/// modulo hashes memoised only from `fill_output_paths` (no `.drv` reading),
/// and check each drv path against Nix's.
#[test]
fn evaluator_flow_reproduces_drv_paths() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("input.txt"), "some input\n").unwrap();
    let file = work.path().join("expr.nix");
    std::fs::write(&file, EXPR).unwrap();
    nix(
        "nix-instantiate",
        &["--store", &store_uri(root.path()), file.to_str().unwrap()],
    );
    let sd = StoreDir::nix();
    let mut pending: BTreeMap<StorePath, Derivation> = BTreeMap::new();
    for entry in std::fs::read_dir(root.path().join("nix/store")).unwrap() {
        let base = entry.unwrap().file_name().into_string().unwrap();
        if let Some(name) = base.get(33..).and_then(|n| n.strip_suffix(".drv")) {
            let p = StorePath::from_base_name(&base).unwrap();
            let text = std::fs::read_to_string(physical(root.path(), &sd, &p)).unwrap();
            pending.insert(p, Derivation::parse_aterm(&sd, name, &text).unwrap());
        }
    }
    let mut cache = DrvHashCache::new();
    while !pending.is_empty() {
        let ready: Vec<StorePath> = pending
            .iter()
            .filter(|(_, d)| d.input_drvs.keys().all(|i| cache.get(i).is_some()))
            .map(|(p, _)| p.clone())
            .collect();
        assert!(!ready.is_empty(), "dependency cycle?");
        for p in ready {
            let nix_drv = pending.remove(&p).unwrap();
            let mut drv = nix_drv.clone();
            for o in drv.outputs.values_mut() {
                o.path = None;
            }
            let hashes = drv.fill_output_paths(&sd, cache.lookup()).unwrap();
            assert_eq!(drv, nix_drv);
            let drv_path = drv.drv_path(&sd).unwrap();
            assert_eq!(drv_path, p);
            cache.insert(drv_path, hashes);
        }
    }
}

#[test]
fn show_derivation_json_matches() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("input.txt"), "some input\n").unwrap();
    let file = work.path().join("expr.nix");
    std::fs::write(&file, EXPR).unwrap();
    let uri = store_uri(root.path());
    let printed = nix(
        "nix-instantiate",
        &["--store", &uri, file.to_str().unwrap()],
    );
    let sd = StoreDir::nix();
    for line in printed.lines() {
        let line = line.split('!').next().unwrap();
        let json: BTreeMap<String, serde_json::Value> = serde_json::from_str(&nix(
            "nix",
            &["show-derivation", "--store", &uri, line.trim()],
        ))
        .unwrap();
        let p = sd.parse(line.trim()).unwrap();
        let text = std::fs::read_to_string(physical(root.path(), &sd, &p)).unwrap();
        let drv =
            Derivation::parse_aterm(&sd, p.name().strip_suffix(".drv").unwrap(), &text).unwrap();
        assert_eq!(json[line.trim()], drv.to_json(&sd), "{line}");
    }
}

#[test]
fn to_file_and_flat_fixed_paths_match_nix() {
    let root = tempfile::tempdir().unwrap();
    let uri = store_uri(root.path());
    let sd = StoreDir::nix();
    // builtins.toFile without and with references.
    let out = nix(
        "nix-instantiate",
        &[
            "--store",
            &uri,
            "--eval",
            "--strict",
            "-E",
            r#"
          let a = builtins.toFile "a.txt" "hello\n";
              b = builtins.toFile "b.txt" "uses ${a} and\ttabs";
              c = builtins.toFile "c.txt" "refs ${a} ${b}";
          in [ a b c ]"#,
        ],
    );
    let paths: Vec<String> = out
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split_whitespace()
        .map(|s| s.trim_matches('"').to_string())
        .collect();
    let a = sd.parse(&paths[0]).unwrap();
    let b = sd.parse(&paths[1]).unwrap();
    assert_eq!(
        sd.text_path("a.txt", b"hello\n", &Default::default())
            .unwrap(),
        a
    );
    let bytes_b = format!("uses {} and\ttabs", paths[0]);
    assert_eq!(
        sd.text_path("b.txt", bytes_b.as_bytes(), &[a.clone()].into())
            .unwrap(),
        b
    );
    let bytes_c = format!("refs {} {}", paths[0], paths[1]);
    assert_eq!(
        sd.text_path("c.txt", bytes_c.as_bytes(), &[a, b].into())
            .unwrap(),
        sd.parse(&paths[2]).unwrap()
    );
}

#[test]
fn placeholders_match_builtins_placeholder() {
    for out in ["out", "dev", "lib", "man"] {
        let theirs = nix(
            "nix-instantiate",
            &[
                "--store",
                &xnix_test_support::scratch_store(),
                "--eval",
                "-E",
                &format!("builtins.placeholder \"{out}\""),
            ],
        );
        assert_eq!(
            theirs.trim().trim_matches('"'),
            xnix_formats::hash_placeholder(out)
        );
    }
}

#[test]
fn fixed_output_attrs_give_nix_out_paths() {
    // outPath as derivationStrict computes it, for each way of writing the hash.
    let sd = StoreDir::nix();
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        ("", Some("sha256"), None),
        ("d41d8cd98f00b204e9800998ecf8427e", Some("md5"), Some("flat")),
        ("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=", None, Some("recursive")),
        ("sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", Some("sha256"), Some("recursive")),
        ("z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==", Some("sha512"), None),
    ];
    for (hash, algo, mode) in cases {
        let mut attrs = format!("outputHash = \"{hash}\";");
        if let Some(a) = algo {
            attrs += &format!(" outputHashAlgo = \"{a}\";");
        }
        if let Some(m) = mode {
            attrs += &format!(" outputHashMode = \"{m}\";");
        }
        let expr = format!("(derivation {{ name = \"fo\"; system = \"x\"; builder = \"/bin/sh\"; {attrs} }}).outPath");
        let theirs = nix(
            "nix-instantiate",
            &[
                "--store",
                &xnix_test_support::scratch_store(),
                "--eval",
                "-E",
                &expr,
            ],
        );
        let (fixed, _) = xnix_formats::fixed_output_from_attrs(hash, *algo, *mode).unwrap();
        let mut drv = Derivation {
            name: "fo".into(),
            ..Default::default()
        };
        drv.outputs.insert(
            "out".into(),
            xnix_formats::DerivationOutput {
                path: None,
                fixed: Some(fixed),
            },
        );
        drv.fill_output_paths(&sd, |_| unreachable!("no inputs"))
            .unwrap();
        assert_eq!(theirs.trim().trim_matches('"'), drv.env["out"], "{expr}");
    }
}
