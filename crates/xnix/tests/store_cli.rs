//! Differential tests of the store commands against Nix 2.8: the same
//! expressions through `nix-instantiate --store local?root=A` and
//! `xnix instantiate --store-dir /nix/store --store-root B` must give the
//! same `.drv` paths and the same bytes for every object written;
//! `show-derivation`, `path-info --json` and `store dump` must print what
//! Nix prints. Nix missing is a failure, not a skip.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

fn nix_cmd(tool: &str) -> Command {
    let mut c = Command::new(tool);
    c.env(
        "NIX_CONFIG",
        "experimental-features = nix-command\nsandbox = false\nsubstituters =\n",
    )
    .env_remove("NIX_STORE_DIR")
    .env_remove("NIX_PATH");
    c
}

fn run_ok(mut c: Command, what: &str) -> Output {
    let out = c.output().unwrap_or_else(|e| {
        panic!("cannot run {what} (Nix 2.8 must be installed: scripts/install-deps test): {e}")
    });
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `xnix` on a scratch store with the store directory /nix/store under `root`.
fn xnix(root: &Path) -> Command {
    let mut c = Command::new(XNIX);
    c.arg("--store-dir")
        .arg("/nix/store")
        .arg("--store-root")
        .arg(root)
        .env_remove("XNIX_STORE_DIR")
        .env_remove("XNIX_STORE_ROOT")
        .env_remove("XNIX_STATE_DIR")
        .env_remove("NIX_STORE_DIR")
        .env_remove("NIX_PATH");
    c
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("non-UTF-8 output")
}

/// Every object in a scratch store (name → NAR bytes), as `xnix store dump` reads it.
fn store_objects(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let dir = root.join("nix/store");
    let mut out = BTreeMap::new();
    let Ok(rd) = fs::read_dir(&dir) else {
        return out;
    };
    for e in rd {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let mut nar = Vec::new();
        xnix_store_nar(&e.path(), &mut nar);
        out.insert(name, nar);
    }
    out
}

fn xnix_store_nar(path: &Path, out: &mut Vec<u8>) {
    let o = run_ok(
        {
            let mut c = Command::new(XNIX);
            c.args(["store", "dump"]).arg(path);
            c
        },
        "xnix store dump",
    );
    out.extend_from_slice(&o.stdout);
}

struct Case {
    name: &'static str,
    expr: &'static str,
    args: &'static [&'static str],
}

/// Expressions that write derivations, sources and texts.
const CORPUS: &[Case] = &[
    Case {
        name: "single",
        expr: r#"derivation { name = "single"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; }"#,
        args: &[],
    },
    Case {
        name: "chain-multi-output",
        expr: r#"rec {
  a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" "lib" ]; };
  b = derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh"; inherit a; dev = a.dev; };
  c = derivation { name = "c"; system = "x86_64-linux"; builder = "/bin/sh"; deps = [ a.lib b ]; };
  notADrv = 42;
}"#,
        args: &[],
    },
    Case {
        name: "select-output",
        expr: r#"{ x = derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; }"#,
        args: &["-A", "x.dev"],
    },
    Case {
        name: "to-file-and-sources",
        expr: r#"let
  script = builtins.toFile "build.sh" "echo hello > $out";
  refd = builtins.toFile "refs.txt" "uses ${script}";
in derivation {
  name = "with-sources";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ script refd ];
  src = ./src;
  one = ./src/file.txt;
  filtered = builtins.filterSource (p: t: baseNameOf p != "skip.txt") ./src;
  named = builtins.path { path = ./src; name = "renamed-src"; filter = p: t: t != "symlink"; };
  flat = builtins.path { path = ./src/file.txt; name = "flat"; recursive = false; };
}"#,
        args: &[],
    },
    Case {
        name: "fixed-outputs",
        expr: r#"{
  flat = derivation { name = "flat.tar"; system = "x86_64-linux"; builder = "/bin/sh"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; outputHashMode = "flat"; };
  rec1 = derivation { name = "rec"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashAlgo = "sha256"; outputHash = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s"; outputHashMode = "recursive"; };
  user = derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inputs = [ (derivation { name = "fo"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashAlgo = "sha1"; outputHash = "0000000000000000000000000000000000000000"; }) ]; };
}"#,
        args: &[],
    },
    Case {
        name: "list-and-recurse",
        expr: r#"{ system }: let d = n: derivation { name = n; inherit system; builder = "/bin/sh"; }; in {
  top = d "top";
  nested = { recurseForDerivations = true; inner = d "inner"; deeper = { x = d "not-reached"; }; };
  plain = { y = d "not-reached-either"; };
}"#,
        args: &["--argstr", "system", "aarch64-linux"],
    },
    Case {
        name: "structured-attrs",
        expr: r#"derivation { name = "structured"; system = "x86_64-linux"; builder = "/bin/sh"; __structuredAttrs = true; list = [ 1 "two" { three = 3; } ]; outputs = [ "out" "doc" ]; }"#,
        args: &[],
    },
    Case {
        name: "placeholders-and-source-strings",
        expr: r#"let
  listing = builtins.toFile "listing" "source at ${./src} and ${./src/sub/run.sh}";
in derivation {
  name = "placeholders";
  system = "x86_64-linux";
  builder = "${./src/sub/run.sh}";
  outputs = [ "out" "bin" ];
  args = [ "${placeholder "bin"}/bin/tool" listing ];
  interpolated = "${./src}/file.txt";
}"#,
        args: &[],
    },
    Case {
        name: "arg-expressions",
        expr: r#"{ n, name ? "default" }: builtins.genList (i: derivation { name = "${name}-${toString i}"; system = "x86_64-linux"; builder = "/bin/sh"; index = i; }) n"#,
        args: &["--arg", "n", "3", "--argstr", "name", "gen"],
    },
];

fn make_src(dir: &Path) {
    let src = dir.join("src");
    fs::create_dir_all(src.join("sub/empty")).unwrap();
    fs::write(src.join("file.txt"), "contents\n").unwrap();
    fs::write(src.join("skip.txt"), "skipped by the filter\n").unwrap();
    fs::write(src.join("sub/run.sh"), "#!/bin/sh\necho run\n").unwrap();
    fs::set_permissions(src.join("sub/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    symlink("../file.txt", src.join("sub/link")).unwrap();
}

#[test]
fn instantiate_matches_nix_instantiate() {
    for case in CORPUS {
        let dir = tempfile::tempdir().unwrap();
        make_src(dir.path());
        let file = dir.path().join(format!("{}.nix", case.name));
        fs::write(&file, case.expr).unwrap();
        let nix_root = dir.path().join("nix-root");
        let xnix_root = dir.path().join("xnix-root");

        let mut n = nix_cmd("nix-instantiate");
        n.arg("--store")
            .arg(format!("local?root={}", nix_root.display()))
            .arg(&file)
            .args(case.args);
        let nix_out = stdout(&run_ok(n, &format!("nix-instantiate ({})", case.name)));

        let mut x = xnix(&xnix_root);
        x.arg("instantiate").arg(&file).args(case.args);
        let xnix_out = stdout(&run_ok(x, &format!("xnix instantiate ({})", case.name)));

        assert!(!nix_out.is_empty(), "{}: Nix printed nothing", case.name);
        assert_eq!(
            xnix_out, nix_out,
            "{}: printed .drv paths differ",
            case.name
        );

        // Every object Nix wrote, xnix wrote with the same bytes (drvs, sources, texts).
        let nix_objects = store_objects(&nix_root);
        let xnix_objects = store_objects(&xnix_root);
        assert!(!nix_objects.is_empty());
        for (name, nar) in &nix_objects {
            let Some(ours) = xnix_objects.get(name) else {
                panic!(
                    "{}: Nix wrote {name}, xnix did not (xnix wrote {:?})",
                    case.name,
                    xnix_objects.keys().collect::<Vec<_>>()
                );
            };
            assert!(ours == nar, "{}: {name} differs", case.name);
        }
        assert_eq!(
            xnix_objects.keys().collect::<Vec<_>>(),
            nix_objects.keys().collect::<Vec<_>>(),
            "{}: different sets of store objects",
            case.name
        );

        // show-derivation -r prints the same JSON (fixed outputs, structured attrs, ...).
        let drvs: Vec<&str> = nix_out
            .lines()
            .map(|l| l.split('!').next().unwrap())
            .collect();
        let mut n = nix_cmd("nix");
        n.args(["show-derivation", "-r", "--store"])
            .arg(format!("local?root={}", nix_root.display()))
            .args(&drvs);
        let mut x = xnix(&xnix_root);
        x.args(["show-derivation", "-r"]).args(&drvs);
        assert_eq!(
            stdout(&run_ok(x, "xnix show-derivation")),
            stdout(&run_ok(n, "nix show-derivation")),
            "{}: show-derivation differs",
            case.name
        );
    }
}

/// Instantiate the chain corpus entry in both stores; returns (dir, nix root, xnix root, drv paths).
fn chain_stores() -> (tempfile::TempDir, PathBuf, PathBuf, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    make_src(dir.path());
    let file = dir.path().join("g.nix");
    let case = CORPUS
        .iter()
        .find(|c| c.name == "to-file-and-sources")
        .unwrap();
    let chain = CORPUS
        .iter()
        .find(|c| c.name == "chain-multi-output")
        .unwrap();
    fs::write(
        &file,
        format!("{{ s = {}; c = ({}).c; }}", case.expr, chain.expr),
    )
    .unwrap();
    let nix_root = dir.path().join("nix-root");
    let xnix_root = dir.path().join("xnix-root");
    let mut n = nix_cmd("nix-instantiate");
    n.arg("--store")
        .arg(format!("local?root={}", nix_root.display()))
        .arg(&file);
    let drvs: Vec<String> = stdout(&run_ok(n, "nix-instantiate"))
        .lines()
        .map(String::from)
        .collect();
    let mut x = xnix(&xnix_root);
    x.arg("instantiate").arg(&file);
    run_ok(x, "xnix instantiate");
    (dir, nix_root, xnix_root, drvs)
}

#[test]
fn show_derivation_matches_nix() {
    let (_dir, nix_root, xnix_root, drvs) = chain_stores();
    assert_eq!(drvs.len(), 2);
    for recursive in [false, true] {
        let mut n = nix_cmd("nix");
        n.arg("show-derivation")
            .arg("--store")
            .arg(format!("local?root={}", nix_root.display()));
        let mut x = xnix(&xnix_root);
        x.arg("show-derivation");
        if recursive {
            n.arg("-r");
            x.arg("-r");
        }
        n.args(&drvs);
        x.args(&drvs);
        let nix_out = run_ok(n, "nix show-derivation").stdout;
        let xnix_out = run_ok(x, "xnix show-derivation").stdout;
        assert!(nix_out.len() > 100);
        assert_eq!(
            String::from_utf8_lossy(&xnix_out),
            String::from_utf8_lossy(&nix_out),
            "show-derivation (recursive: {recursive})"
        );
    }
}

fn without_times(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(json).expect("path-info printed invalid JSON");
    for o in v.as_array_mut().expect("a JSON array") {
        let o = o.as_object_mut().unwrap();
        assert!(
            o.remove("registrationTime").is_some(),
            "no registrationTime in {o:?}"
        );
    }
    v
}

#[test]
fn path_info_matches_nix() {
    let (_dir, nix_root, xnix_root, drvs) = chain_stores();
    // JSON (closure, with closure sizes); registration times differ by nature.
    let mut n = nix_cmd("nix");
    n.args(["path-info", "--derivation", "--json", "-r", "-S", "--store"])
        .arg(format!("local?root={}", nix_root.display()))
        .args(&drvs);
    let mut x = xnix(&xnix_root);
    x.args(["path-info", "--json", "-r", "-S"]).args(&drvs);
    let nix_out = stdout(&run_ok(n, "nix path-info --json"));
    let xnix_out = stdout(&run_ok(x, "xnix path-info --json"));
    assert!(!xnix_out.ends_with('\n'), "Nix prints no final newline");
    assert_eq!(without_times(&xnix_out), without_times(&nix_out));

    // Plain closure listing, in Nix's order.
    let mut n = nix_cmd("nix");
    n.args(["path-info", "--derivation", "-r", "--store"])
        .arg(format!("local?root={}", nix_root.display()))
        .args(&drvs);
    let mut x = xnix(&xnix_root);
    x.args(["path-info", "-r"]).args(&drvs);
    let nix_plain = stdout(&run_ok(n, "nix path-info -r"));
    assert!(nix_plain.lines().count() > 5);
    assert_eq!(stdout(&run_ok(x, "xnix path-info -r")), nix_plain);
}

#[test]
fn store_dump_matches_nix_store_dump() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tree");
    fs::create_dir_all(t.join("a/b/c")).unwrap();
    fs::create_dir_all(t.join("empty")).unwrap();
    fs::write(t.join("empty-file"), "").unwrap();
    fs::write(t.join("a/seven"), "1234567").unwrap();
    fs::write(t.join("a/eight"), "12345678").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(t.join("a/b/big.bin"), &big).unwrap();
    fs::write(t.join("a/b/c/tool"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(t.join("a/b/c/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    symlink("../a/seven", t.join("empty/dangling-ok")).unwrap();
    symlink("/nonexistent/target", t.join("abs-link")).unwrap();
    fs::write(t.join("Zupper"), "sorts before lower case").unwrap();
    for path in [
        t.clone(),
        t.join("a/b/big.bin"),
        t.join("abs-link"),
        t.join("empty"),
    ] {
        let mut n = nix_cmd("nix-store");
        n.arg("--dump").arg(&path);
        let nix_nar = run_ok(n, "nix-store --dump").stdout;
        let mut x = Command::new(XNIX);
        x.args(["store", "dump"]).arg(&path);
        let xnix_nar = run_ok(x, "xnix store dump").stdout;
        assert!(nix_nar.len() >= 112);
        assert!(xnix_nar == nix_nar, "NAR of {} differs", path.display());
    }
}

#[test]
fn store_add_matches_nix_store_add() {
    let dir = tempfile::tempdir().unwrap();
    make_src(dir.path());
    let src = dir.path().join("src");
    let mut n = nix_cmd("nix-store");
    n.arg("--store")
        .arg(format!(
            "local?root={}",
            dir.path().join("nix-root").display()
        ))
        .arg("--add")
        .arg(&src);
    let nix_path = stdout(&run_ok(n, "nix-store --add"));
    let mut x = xnix(&dir.path().join("xnix-root"));
    x.args(["store", "add"]).arg(&src);
    let xnix_path = stdout(&run_ok(x, "xnix store add"));
    assert!(nix_path.starts_with("/nix/store/"));
    assert_eq!(xnix_path, nix_path);
    // A logical store path is dumped from under the store root.
    let mut x = xnix(&dir.path().join("xnix-root"));
    x.args(["store", "dump"]).arg(xnix_path.trim());
    let mut n = nix_cmd("nix-store");
    n.arg("--dump").arg(&src);
    assert!(
        run_ok(x, "xnix store dump (logical path)").stdout == run_ok(n, "nix-store --dump").stdout
    );
    // The added path is valid and verifies.
    let mut x = xnix(&dir.path().join("xnix-root"));
    x.args(["path-info"]).arg(xnix_path.trim());
    assert_eq!(stdout(&run_ok(x, "xnix path-info")), xnix_path);
    let mut x = xnix(&dir.path().join("xnix-root"));
    x.args(["store", "verify", "--check-contents"]);
    assert!(stdout(&run_ok(x, "xnix store verify")).contains(": ok"));
}

#[test]
fn instantiate_reports_evaluation_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = xnix(&dir.path().join("root"));
    x.args(["instantiate", "-E", "42"]);
    let o = x.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not evaluate to a derivation"),
        "unexpected message: {err}"
    );
    let mut x = xnix(&dir.path().join("root"));
    x.args(["instantiate", "-E", "derivation { name = \"x\"; }"]);
    let o = x.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("required attribute"));
}

/// Without a file and without `./default.nix`, `instantiate` takes the package collection, as
/// `build` and `run` do; with `./default.nix` it reads that file, as nix-instantiate.
#[test]
fn instantiate_defaults_to_the_collection() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = xnix(&dir.path().join("root"));
    x.current_dir(dir.path())
        .args(["instantiate", "-A", "hello"]);
    let out = stdout(&run_ok(x, "xnix instantiate -A hello"));
    assert!(
        out.trim().ends_with("-hello.drv") || out.contains("hello"),
        "{out}"
    );
    assert!(out.trim().ends_with(".drv"), "{out}");
    std::fs::write(
        dir.path().join("default.nix"),
        "{ hello = derivation { name = \"mine\"; builder = \"/bin/sh\"; system = \"x\"; }; }",
    )
    .unwrap();
    let mut x = xnix(&dir.path().join("root"));
    x.current_dir(dir.path())
        .args(["instantiate", "-A", "hello"]);
    let out = stdout(&run_ok(x, "xnix instantiate -A hello"));
    assert!(out.trim().ends_with("-mine.drv"), "{out}");
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        &["instantiate"][..],
        &["build"],
        &["show-derivation"],
        &["path-info"],
        &["log"],
        &["store"],
    ] {
        let o = Command::new(XNIX).args(cmd).arg("--help").output().unwrap();
        assert!(o.status.success(), "{cmd:?} --help failed");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Examples:"), "{cmd:?} --help has no examples");
        assert!(
            text.contains("--store-root"),
            "{cmd:?} --help lacks the global store options"
        );
    }
}

/// `xnix store add` of a file named `*.drv` that is no derivation fails with
/// the parser's message, and nothing of it stays in the store, whether
/// added as a source or flat fixed-output.
#[test]
fn refused_store_add_of_a_malformed_drv_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.drv");
    fs::write(&bad, "Derive([(\"out\",\n").unwrap();
    for extra in [&[][..], &["--fixed", "sha256"][..]] {
        let out = xnix(root.path())
            .args(["store", "add"])
            .args(extra)
            .arg(&bad)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{extra:?}: accepted a malformed .drv"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("malformed derivation"), "{extra:?}: {err}");
        let left: Vec<_> = fs::read_dir(root.path().join("nix/store"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{extra:?}: left in the store: {left:?}");
    }
}
