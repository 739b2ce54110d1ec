//! Flakes through the command line: `flake.lock` written byte for byte as Nix 2.8 writes
//! it (the same flakes locked by `nix flake lock` and by `xnix flake lock`), Nix's lock
//! files read and kept unchanged, `git+file:` inputs seeing only what Git tracks,
//! installables with Nix's search order, `--override-input`, and the errors for bad input
//! (each naming the file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix sits two levels below the workspace root")
        .to_path_buf()
}

/// `xnix ARGS` in `dir`, with a private cache and configuration directory.
fn xnix(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xnix"))
        .current_dir(dir)
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XNIX_PKGS", workspace_root().join("pkgs"))
        .env("NIX_PATH", "")
        .output()
        .expect("xnix runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "xnix failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "xnix should have failed; stdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
        .output()
        .expect("git runs");
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// `nix flake lock DIR` with Nix 2.8; returns the lock file it wrote.
fn nix_lock(dir: &Path) -> String {
    let out = xnix_test_support::nix_output(
        "nix",
        &[
            "--extra-experimental-features",
            "nix-command flakes",
            "flake",
            "lock",
            &format!("path:{}", dir.display()),
        ],
        "flake-registry = \n",
    );
    assert!(
        out.status.success(),
        "nix flake lock failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("flake.lock")).expect("Nix wrote flake.lock")
}

/// A set of flakes with path, `flake = false`, `follows`, nested and Git inputs.
fn make_flakes(base: &Path) -> PathBuf {
    let lib = base.join("lib");
    write(
        &lib.join("flake.nix"),
        r#"{ description = "lib"; outputs = { self }: { value = 40; }; }"#,
    );
    let dep = base.join("dep");
    write(
        &dep.join("flake.nix"),
        &format!(
            r#"{{
  inputs.lib.url = "path:{lib}";
  inputs.data = {{ url = "path:{lib}"; flake = false; }};
  outputs = {{ self, lib, data }}: {{ value = lib.value + 1; }};
}}"#,
            lib = lib.display()
        ),
    );
    let repo = base.join("repo");
    write(
        &repo.join("flake.nix"),
        r#"{ outputs = { self }: { fromGit = import ./value.nix; }; }"#,
    );
    write(&repo.join("value.nix"), "7\n");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    let root = base.join("root");
    write(
        &root.join("flake.nix"),
        &format!(
            r#"{{
  description = "root";
  inputs.dep.url = "path:{dep}";
  inputs.lib.url = "path:{lib}";
  inputs.dep.inputs.lib.follows = "lib";
  inputs.src = {{ url = "path:{lib}"; flake = false; }};
  inputs.repo.url = "git+file://{repo}";
  outputs = {{ self, dep, lib, src, repo }}: {{
    answer = dep.value + 1 + repo.fromGit - 7;
    srcHash = src.narHash;
  }};
}}"#,
            dep = dep.display(),
            lib = lib.display(),
            repo = repo.display()
        ),
    );
    root
}

#[test]
fn lock_file_matches_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let root = make_flakes(tmp.path());
    let by_nix = nix_lock(&root);
    std::fs::remove_file(root.join("flake.lock")).unwrap();
    let out = xnix(&root, &home, &["flake", "lock"]);
    ok(&out);
    let ours = std::fs::read_to_string(root.join("flake.lock")).unwrap();
    assert_eq!(ours, by_nix, "xnix's flake.lock differs from Nix's");

    // Nix's lock file is read and kept byte for byte; evaluation uses it.
    std::fs::write(root.join("flake.lock"), &by_nix).unwrap();
    let out = xnix(&root, &home, &["eval", ".#answer"]);
    assert_eq!(ok(&out).trim(), "42");
    assert_eq!(
        std::fs::read_to_string(root.join("flake.lock")).unwrap(),
        by_nix
    );

    // The same evaluation by Nix and by xnix.
    let nix_eval = xnix_test_support::nix_output(
        "nix",
        &[
            "--extra-experimental-features",
            "nix-command flakes",
            "eval",
            "--raw",
            &format!("path:{}#srcHash", root.display()),
        ],
        "flake-registry = \n",
    );
    assert!(
        nix_eval.status.success(),
        "{}",
        String::from_utf8_lossy(&nix_eval.stderr)
    );
    let out = xnix(&root, &home, &["eval", ".#srcHash"]);
    assert_eq!(
        ok(&out).trim(),
        format!("\"{}\"", String::from_utf8_lossy(&nix_eval.stdout))
    );
}

#[test]
fn update_and_override() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let root = make_flakes(tmp.path());
    ok(&xnix(&root, &home, &["flake", "lock"]));
    let first = std::fs::read_to_string(root.join("flake.lock")).unwrap();
    // An override changes the evaluation, not the lock file with --no-write-lock-file.
    let other = tmp.path().join("other");
    write(
        &other.join("flake.nix"),
        r#"{ outputs = { self }: { value = 100; }; }"#,
    );
    let out = xnix(
        &root,
        &home,
        &[
            "eval",
            ".#answer",
            "--override-input",
            "dep/lib",
            &format!("path:{}", other.display()),
            "--no-write-lock-file",
        ],
    );
    assert_eq!(ok(&out).trim(), "102");
    assert_eq!(
        std::fs::read_to_string(root.join("flake.lock")).unwrap(),
        first
    );
    // A changed input: its locked hash no longer matches, and the error says what to do
    // (the evaluation cache holds the answer for the old content, but must not serve it).
    assert_eq!(ok(&xnix(&root, &home, &["eval", ".#answer"])).trim(), "42");
    write(
        &tmp.path().join("lib/flake.nix"),
        r#"{ description = "lib"; outputs = { self }: { value = 41; }; }"#,
    );
    let err = fails(&xnix(&root, &home, &["eval", ".#answer"]));
    assert!(err.contains("NAR hash mismatch"), "{err}");
    assert!(err.contains("flake.lock"), "{err}");
    assert!(err.contains("xnix flake update"), "{err}");
    // `flake update lib` re-locks it (and dep's lib follows it).
    ok(&xnix(
        &root,
        &home,
        &["flake", "update", ".", "lib", "src", "dep"],
    ));
    let out = xnix(&root, &home, &["eval", ".#answer"]);
    assert_eq!(ok(&out).trim(), "43");
    assert_ne!(
        std::fs::read_to_string(root.join("flake.lock")).unwrap(),
        first
    );
    // A new input with --no-update-lock-file: the lock is stale, and nothing is written.
    let before = std::fs::read_to_string(root.join("flake.lock")).unwrap();
    let text = std::fs::read_to_string(root.join("flake.nix")).unwrap();
    let added = format!(
        "inputs.extra.url = \"path:{}\";\n  inputs.dep.url",
        other.display()
    );
    std::fs::write(
        root.join("flake.nix"),
        text.replacen("inputs.dep.url", &added, 1),
    )
    .unwrap();
    let err = fails(&xnix(
        &root,
        &home,
        &["eval", ".#answer", "--no-update-lock-file"],
    ));
    assert!(
        err.contains("does not match") && err.contains("flake.lock"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("flake.lock")).unwrap(),
        before
    );
}

#[test]
fn git_inputs_see_only_tracked_files() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let repo = tmp.path().join("board");
    write(
        &repo.join("flake.nix"),
        r#"{ outputs = { self }: { extra = import ./extra.nix; hasExtra = builtins.pathExists ./extra.nix; }; }"#,
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "flake.nix"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    write(&repo.join("extra.nix"), "\"seen\"\n");
    // Untracked: invisible, with a hint.
    let out = xnix(&repo, &home, &["eval", ".#hasExtra"]);
    assert_eq!(ok(&out).trim(), "false");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("extra.nix") && err.contains("git add"),
        "{err}"
    );
    fails(&xnix(&repo, &home, &["eval", ".#extra"]));
    // Added to the index: visible (the tree is dirty, not committed).
    git(&repo, &["add", "extra.nix"]);
    let out = xnix(&repo, &home, &["eval", ".#extra"]);
    assert_eq!(ok(&out).trim(), "\"seen\"");
    // Nix agrees on the content of the tree (its NAR hash) for the clean, committed tree.
    git(&repo, &["commit", "-q", "-m", "second"]);
    let out = xnix(&repo, &home, &["flake", "metadata", "--json"]);
    let ours: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let nix = xnix_test_support::nix_output(
        "nix",
        &[
            "--extra-experimental-features",
            "nix-command flakes",
            "flake",
            "metadata",
            "--json",
            &format!("git+file://{}", repo.display()),
        ],
        "flake-registry = \n",
    );
    assert!(
        nix.status.success(),
        "{}",
        String::from_utf8_lossy(&nix.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&nix.stdout).unwrap();
    for key in ["narHash", "rev", "revCount", "lastModified"] {
        assert_eq!(
            ours["locked"][key], theirs["locked"][key],
            "locked.{key}: ours {ours}, Nix's {theirs}"
        );
    }
}

#[test]
fn bad_flakes_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("f");
    let file = dir.join("flake.nix");
    let shown = file.display().to_string();

    write(&file, r#"{ outputs = { x = 1; }; }"#);
    let err = fails(&xnix(&dir, &home, &["flake", "show"]));
    assert!(
        err.contains(&shown) && err.contains("'outputs' must be a function"),
        "{err}"
    );

    write(&file, r#"{ outputs = { self, nosuchinput }: { }; }"#);
    let err = fails(&xnix(&dir, &home, &["flake", "lock"]));
    assert!(err.contains(&shown) && err.contains("nosuchinput"), "{err}");

    write(
        &file,
        r#"{ inputs.a.follows = "missing"; outputs = { self, a }: { }; }"#,
    );
    let err = fails(&xnix(&dir, &home, &["flake", "lock"]));
    assert!(err.contains(&shown) && err.contains("missing"), "{err}");

    write(&file, r#"{ outputs = { self }: { }; extra = 1; }"#);
    let err = fails(&xnix(&dir, &home, &["flake", "show"]));
    assert!(err.contains(&shown) && err.contains("extra"), "{err}");

    write(&file, r#"{ outputs = { self }: { x = 1; }; }"#);
    let lock = dir.join("flake.lock");
    write(&lock, "{ not json");
    let err = fails(&xnix(&dir, &home, &["eval", ".#x"]));
    assert!(
        err.contains(&lock.display().to_string()) && err.contains("malformed"),
        "{err}"
    );
    write(
        &lock,
        r#"{ "nodes": { "root": {} }, "root": "root", "version": 3 }"#,
    );
    let err = fails(&xnix(&dir, &home, &["eval", ".#x"]));
    assert!(
        err.contains(&lock.display().to_string()) && err.contains("version 3"),
        "{err}"
    );
    std::fs::remove_file(&lock).unwrap();

    let err = fails(&xnix(&dir, &home, &["eval", ".#y"]));
    assert!(
        err.contains("packages.") && err.contains("legacyPackages.") && err.contains("'y'"),
        "{err}"
    );

    // A remote input that cannot be fetched (`.invalid` never resolves): the error names
    // the input and suggests overriding it with a local copy, which then works.
    write(
        &file,
        r#"{ inputs.dep.url = "git+https://example.invalid/dep.git"; outputs = { self, dep }: { x = dep.value; }; }"#,
    );
    let err = fails(&xnix(&dir, &home, &["eval", ".#x"]));
    assert!(
        err.contains(&shown)
            && err.contains("cannot fetch")
            && err.contains("--override-input dep"),
        "{err}"
    );
    let local = tmp.path().join("dep");
    write(
        &local.join("flake.nix"),
        r#"{ outputs = { self }: { value = 5; }; }"#,
    );
    let out = xnix(
        &dir,
        &home,
        &[
            "eval",
            ".#x",
            "--override-input",
            "dep",
            &format!("path:{}", local.display()),
        ],
    );
    assert_eq!(ok(&out).trim(), "5");
}

#[test]
fn collection_as_flake_and_installables() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("f");
    write(
        &dir.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "nixpkgs";
  outputs = { self, nixpkgs }: {
    packages.x86_64-linux.mine = nixpkgs.legacyPackages.x86_64-linux.hello;
    viaImport = (import nixpkgs { }).hello.name;
    hasSystem = nixpkgs.lib ? nixosSystem;
  };
}"#,
    );
    let out = xnix(&dir, &home, &["eval", ".#mine.name"]);
    assert_eq!(ok(&out).trim(), "\"hello-2.10\"");
    // `nixpkgs#hello` is legacyPackages.<system>.hello of the bundled collection.
    let a = ok(&xnix(&dir, &home, &["eval", "nixpkgs#hello.drvPath"]));
    let b = ok(&xnix(
        &dir,
        &home,
        &["eval", "-E", "(import <xnixpkgs> { }).hello.drvPath"],
    ));
    assert_eq!(a, b);
    assert_eq!(
        ok(&xnix(&dir, &home, &["eval", ".#viaImport"])).trim(),
        "\"hello-2.10\""
    );
    assert_eq!(
        ok(&xnix(&dir, &home, &["eval", ".#hasSystem"])).trim(),
        "true"
    );
    let lock = std::fs::read_to_string(dir.join("flake.lock")).unwrap();
    assert!(lock.contains("\"id\": \"nixpkgs\""), "{lock}");
    // The REPL loads a flake's outputs (`REF#`) or an attribute of it.
    let mut repl = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .current_dir(&dir)
        .args(["repl", ".#"])
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XNIX_PKGS", workspace_root().join("pkgs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = repl.stdin.take().unwrap();
        stdin
            .write_all(b"packages.x86_64-linux.mine.name\ninputs.nixpkgs.lib ? nixosSystem\n")
            .unwrap();
    }
    let out = repl.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"hello-2.10\"") && text.contains("true"),
        "{text}"
    );
    let show = ok(&xnix(&dir, &home, &["flake", "show"]));
    assert!(show.contains("mine: package 'hello-2.10'"), "{show}");
    ok(&xnix(&dir, &home, &["flake", "check"]));
    // `flake init` writes a template that evaluates.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    ok(&xnix(&fresh, &home, &["flake", "init"]));
    fails(&xnix(&fresh, &home, &["flake", "init"]));
    let out = xnix(&fresh, &home, &["eval", ".#default.name"]);
    assert_eq!(ok(&out).trim(), "\"hello-2.10\"");
    // The builtins.
    let out = xnix(
        &dir,
        &home,
        &[
            "eval",
            "--strict",
            "-E",
            "builtins.flakeRefToString (builtins.parseFlakeRef \"github:o/r/v1?dir=sub\")",
        ],
    );
    assert_eq!(ok(&out).trim(), "\"github:o/r/v1?dir=sub\"");
    let out = xnix(
        &dir,
        &home,
        &[
            "eval",
            "-E",
            &format!("(builtins.getFlake \"path:{}\").viaImport", dir.display()),
        ],
    );
    assert_eq!(ok(&out).trim(), "\"hello-2.10\"");
}

#[test]
fn evaluation_cache_follows_content() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("f");
    // `currentTime` makes a cached answer visible: it is the time of the first evaluation.
    write(
        &dir.join("flake.nix"),
        r#"{ outputs = { self }: { t = "${toString builtins.currentTime} ${import ./v.nix}"; }; }"#,
    );
    write(&dir.join("v.nix"), "\"one\"\n");
    // A Git tree with uncommitted changes (nothing is committed at all) is cached too.
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    let first = ok(&xnix(&dir, &home, &["eval", ".#t"]));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(ok(&xnix(&dir, &home, &["eval", ".#t"])), first, "cached");
    let fresh = ok(&xnix(&dir, &home, &["eval", ".#t", "--no-eval-cache"]));
    assert_ne!(fresh, first, "--no-eval-cache evaluates again");
    // Changing a tracked file's content changes the key.
    write(&dir.join("v.nix"), "\"two\"\n");
    let changed = ok(&xnix(&dir, &home, &["eval", ".#t"]));
    assert!(changed.contains("two"), "{changed}");
    // Back to the old content: the old result again.
    write(&dir.join("v.nix"), "\"one\"\n");
    assert_eq!(ok(&xnix(&dir, &home, &["eval", ".#t"])), first);
    // An untracked file is not part of the tree: no effect on the key.
    write(&dir.join("notes.txt"), "x");
    assert_eq!(ok(&xnix(&dir, &home, &["eval", ".#t"])), first);
}

#[test]
fn tarball_inputs_and_fetch_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let src = tmp.path().join("src/dep-1.0");
    write(
        &src.join("flake.nix"),
        r#"{ outputs = { self }: { greeting = "from a tarball"; }; }"#,
    );
    let tarball = tmp.path().join("dep.tar.gz");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(tmp.path().join("src"))
        .arg("dep-1.0")
        .status()
        .unwrap();
    assert!(st.success());
    let url = format!("file://{}", tarball.display());
    // fetchTree unpacks (dropping the top directory) and gives the NAR hash.
    let expr = format!("(builtins.fetchTree {{ type = \"tarball\"; url = \"{url}\"; }}).narHash");
    let hash = ok(&xnix(tmp.path(), &home, &["eval", "-E", &expr]));
    let (h, _) = xnix_flake::fetch::hash_tree(&src, &[]).unwrap();
    assert_eq!(hash.trim(), format!("\"{}\"", h.to_sri()));
    // A wrong pinned hash is an error naming both hashes.
    let bad = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let expr = format!("(builtins.fetchTree {{ type = \"tarball\"; url = \"{url}\"; narHash = \"{bad}\"; }}).outPath");
    let err = fails(&xnix(tmp.path(), &home, &["eval", "-E", &expr]));
    assert!(
        err.contains("NAR hash mismatch") && err.contains(bad),
        "{err}"
    );
    // As a flake input.
    let dir = tmp.path().join("f");
    write(
        &dir.join("flake.nix"),
        &format!(
            r#"{{ inputs.dep.url = "{url}"; outputs = {{ self, dep }}: {{ g = dep.greeting; }}; }}"#
        ),
    );
    assert_eq!(
        ok(&xnix(&dir, &home, &["eval", ".#g"])).trim(),
        "\"from a tarball\""
    );
    let lock = std::fs::read_to_string(dir.join("flake.lock")).unwrap();
    assert!(
        lock.contains("\"type\": \"tarball\"") && lock.contains(&h.to_sri()),
        "{lock}"
    );
    // Nix locks it the same way.
    std::fs::remove_file(dir.join("flake.lock")).unwrap();
    assert_eq!(nix_lock(&dir), lock);
}

#[test]
fn only_what_is_evaluated_is_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let root = tmp.path().join("root");
    let dir = tmp.path().join("f");
    write(
        &dir.join("flake.nix"),
        r#"{
  outputs = { self }: {
    small = derivation {
      name = "small";
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ "-c" "cp ${./data.txt} $out" ];
    };
    whole = derivation {
      name = "whole";
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ "-c" "cp -r ${self} $out" ];
    };
  };
}"#,
    );
    write(&dir.join("data.txt"), "data\n");
    write(&dir.join("big/unrelated.bin"), &"x".repeat(1 << 20));
    let instantiate = |attr: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
            .current_dir(&dir)
            .args(["instantiate", attr])
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XNIX_STORE_ROOT", &root)
            .output()
            .unwrap();
        ok(&out)
    };
    let names = || -> Vec<String> {
        std::fs::read_dir(root.join("xnix/store"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    instantiate(".#small");
    let after_small = names();
    assert!(
        after_small.iter().any(|n| n.ends_with("-data.txt")),
        "{after_small:?}"
    );
    assert!(
        !after_small.iter().any(|n| n.ends_with("-source")),
        "the whole tree was copied: {after_small:?}"
    );
    // Using `self` copies the tree, once, under Nix's name.
    instantiate(".#whole");
    let after_whole = names();
    assert!(
        after_whole.iter().any(|n| n.ends_with("-source")),
        "{after_whole:?}"
    );
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&root)
        .status();
}

#[test]
fn flake_show_json_matches_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("f");
    write(
        &dir.join("flake.nix"),
        r#"{ outputs = { self }: {
  packages.x86_64-linux.hi = derivation { name = "hi-1.0"; system = "x86_64-linux"; builder = "/bin/sh"; };
  nixosConfigurations.board = { config = { }; };
  overlays.default = final: prev: { };
  lib.x = 1;
  legacyPackages.x86_64-linux.a = 1;
}; }"#,
    );
    let ours = ok(&xnix(&dir, &home, &["flake", "show", "--json"]));
    let nix = xnix_test_support::nix_output(
        "nix",
        &[
            "--extra-experimental-features",
            "nix-command flakes",
            "flake",
            "show",
            "--json",
            &format!("path:{}", dir.display()),
        ],
        "flake-registry = \n",
    );
    assert!(
        nix.status.success(),
        "{}",
        String::from_utf8_lossy(&nix.stderr)
    );
    assert_eq!(ours.trim(), String::from_utf8_lossy(&nix.stdout).trim());
}
