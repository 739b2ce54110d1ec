//! `xnix copy` and `xnix store generate-key` against Nix 2.8: keys made by
//! xnix sign caches that Nix writes, caches Nix writes are read by
//! `xnix copy --from`, caches `xnix copy --to` writes are read by
//! `nix copy --from`; refusals exit non-zero with a clear message and
//! register nothing. Nix missing is a failure, not a skip.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use xnix_test_support::{nix_dump, nix_linked_texts, scratch_store};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");
fn nix(tool: &str, args: &[&str], extra_conf: &str) -> Output {
    xnix_test_support::nix_output(tool, args, extra_conf)
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("non-UTF-8 output")
}

/// `xnix` on a store with Nix's store directory under `root`.
fn xnix(root: &Path) -> Command {
    let mut c = Command::new(XNIX);
    c.arg("--store-dir")
        .arg("/nix/store")
        .arg("--store-root")
        .arg(root)
        .env_remove("XNIX_STORE_DIR")
        .env_remove("XNIX_STORE_ROOT")
        .env_remove("XNIX_STATE_DIR")
        .env_remove("XNIX_TRUSTED_PUBLIC_KEYS");
    c
}

fn run(mut c: Command) -> Output {
    c.output().expect("cannot run xnix")
}

fn xnix_dump(root: &Path, path: &str) -> Vec<u8> {
    let mut c = xnix(root);
    c.args([
        "store",
        "dump",
        &format!("{}/{}", root.display(), path.trim_start_matches('/')),
    ]);
    let out = run(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn generate_key(dir: &Path, name: &str) -> (String, String) {
    let sk = dir.join(format!("{name}.sec"));
    let pk = dir.join(format!("{name}.pub"));
    let mut c = xnix(dir);
    c.args(["store", "generate-key", name]).arg(&sk).arg(&pk);
    ok(run(c), "xnix store generate-key");
    (sk.display().to_string(), fs::read_to_string(&pk).unwrap())
}

#[test]
fn nix_writes_with_an_xnix_key_and_xnix_reads() {
    for compression in ["xz", "none"] {
        let work = tempfile::tempdir().unwrap();
        let salt = work.path().display().to_string();
        let (sk, pk) = generate_key(work.path(), "cli-test-1");
        // The secret key file is private.
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&sk).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let src = scratch_store();
        let b = nix_linked_texts(&src, &salt);
        let cache = work.path().join("cache");
        let to = format!(
            "file://{}?compression={compression}&secret-key={sk}",
            cache.display()
        );
        ok(
            nix("nix", &["copy", "--from", &src, "--to", &to, &b], ""),
            "nix copy --to",
        );
        let root = work.path().join("root");
        let url = format!("file://{}", cache.display());
        // Without the key: refused, nothing registered.
        let mut c = xnix(&root);
        c.args(["copy", "--from", &url, &b]);
        let refused = run(c);
        assert!(!refused.status.success());
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains("no valid signature by a trusted key"), "{err}");
        let mut c = xnix(&root);
        c.args(["path-info", &b]);
        assert!(!run(c).status.success(), "a refused path was registered");
        // With the key (from the environment): copied with its reference.
        let mut c = xnix(&root);
        c.args(["copy", "--json", "--from", &url, &b])
            .env("XNIX_TRUSTED_PUBLIC_KEYS", &pk);
        let report: serde_json::Value =
            serde_json::from_str(&ok(run(c), "xnix copy --from")).unwrap();
        let copied = report["copied"].as_array().unwrap();
        assert_eq!(copied.len(), 2, "{report}");
        assert_eq!(copied[1], b.as_str(), "references come first: {report}");
        for p in copied {
            let p = p.as_str().unwrap();
            assert!(
                xnix_dump(&root, p) == nix_dump(&src, p),
                "NAR of {p} differs"
            );
        }
        let mut c = xnix(&root);
        c.args(["path-info", "--json", &b]);
        let info: serde_json::Value = serde_json::from_str(&ok(run(c), "path-info")).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(&ok(
            nix("nix", &["path-info", "--json", "--store", &src, &b], ""),
            "nix path-info",
        ))
        .unwrap();
        for k in ["narHash", "narSize", "references", "ca"] {
            assert_eq!(info[0][k], theirs[0][k], "{k}");
        }
        let sigs = info[0]["signatures"].as_array().unwrap();
        assert!(sigs
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("cli-test-1:")));
    }
}

#[test]
fn xnix_writes_and_nix_reads() {
    for compression in ["xz", "none"] {
        let work = tempfile::tempdir().unwrap();
        let (sk, pk) = generate_key(work.path(), "cli-push-1");
        let root = work.path().join("root");
        let tree = work.path().join("tree");
        fs::create_dir_all(tree.join("sub")).unwrap();
        fs::write(
            tree.join("sub/file"),
            format!("{}\n", work.path().display()),
        )
        .unwrap();
        let mut c = xnix(&root);
        c.args(["store", "add"]).arg(&tree);
        let p = ok(run(c), "xnix store add").trim().to_string();
        let cache = work.path().join("cache");
        let url = format!("file://{}", cache.display());
        let mut c = xnix(&root);
        if compression == "xz" {
            c.args(["copy", "--json", "--to", &url, "--sign-key", &sk, &p]);
        } else {
            // Nix's URL parameters instead of the options.
            let with_params = format!("{url}?compression={compression}&secret-key={sk}");
            c.args(["copy", "--json", "--to", &with_params, &p]);
        }
        let report: serde_json::Value =
            serde_json::from_str(&ok(run(c), "xnix copy --to")).unwrap();
        assert_eq!(report["copied"], serde_json::json!([p]));
        // Again: already there.
        let mut c = xnix(&root);
        c.args(["copy", "--json", "--to", &url, &p]);
        let report: serde_json::Value =
            serde_json::from_str(&ok(run(c), "xnix copy --to")).unwrap();
        assert_eq!(report["present"], serde_json::json!([p]));
        let dest = scratch_store();
        ok(
            nix(
                "nix",
                &["copy", "--from", &url, "--to", &dest, &p],
                &format!("trusted-public-keys = {pk}\n"),
            ),
            "nix copy --from",
        );
        assert!(xnix_dump(&root, &p) == nix_dump(&dest, &p));
        let narinfo = fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.extension().is_some_and(|x| x == "narinfo"))
            .unwrap();
        let text = fs::read_to_string(narinfo).unwrap();
        assert!(
            text.contains(&format!("Compression: {compression}\n")),
            "{text}"
        );
        assert!(text.contains("Sig: cli-push-1:"), "{text}");
    }
}

#[test]
fn usage_errors_and_help() {
    let work = tempfile::tempdir().unwrap();
    let mut c = xnix(work.path());
    c.args(["copy", "--help"]);
    let help = ok(run(c), "xnix copy --help");
    assert!(
        help.contains("Examples:") && help.contains("--trusted-key"),
        "{help}"
    );
    let mut c = xnix(work.path());
    c.args(["copy", "/nix/store/00000000000000000000000000000000-x"]);
    assert!(
        !run(c).status.success(),
        "a copy without --to or --from succeeded"
    );
    // A directory that is not a cache.
    let mut c = xnix(work.path());
    c.args([
        "copy",
        "--from",
        &format!("file://{}", work.path().display()),
    ])
    .arg("--no-check-sigs")
    .arg("/nix/store/00000000000000000000000000000000-x");
    let out = run(c);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nix-cache-info"), "{err}");
    // An unknown URL parameter.
    let mut c = xnix(work.path());
    c.args([
        "copy",
        "--to",
        &format!("file://{}/c?priority=3", work.path().display()),
    ])
    .arg("/nix/store/00000000000000000000000000000000-x");
    let out = run(c);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported parameter 'priority'"), "{err}");
    // A malformed trusted key.
    let (_, _) = generate_key(work.path(), "k");
    let mut c = xnix(work.path());
    c.args([
        "copy",
        "--from",
        "file:///nonexistent",
        "--trusted-key",
        "k:notbase64!",
        "/nix/store/00000000000000000000000000000000-x",
    ]);
    let out = run(c);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in the trusted key 'k:notbase64!'"), "{err}");
    // generate-key never overwrites a secret key.
    let mut c = xnix(work.path());
    c.args(["store", "generate-key", "k"])
        .arg(work.path().join("k.sec"))
        .arg(work.path().join("k2.pub"));
    let out = run(c);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwritten"));
}

const GRAPH: &str = r#"
{ salt }:
let
  mk = name: script: derivation {
    inherit name salt;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
in rec {
  dep = mk "dep" "echo dep > $out";
  top = mk "top" "mkdir $out; echo ${dep} > $out/ref; cat ${dep} > $out/copy";
  # A single executable file, which `xnix run` runs as it is.
  # (It names dep, so dep is in its closure, but does not read it: the store
  # lives under another root than its logical directory in these tests.)
  prog = mk "prog" "echo '#!/bin/sh' > $out; echo 'echo ran # ${dep}' >> $out; chmod +x $out";
}
"#;

fn build(root: &Path, work: &Path, salt: &str, extra: &[&str]) -> Output {
    let mut c = xnix(root);
    c.current_dir(work)
        .env_remove("XNIX_SUBSTITUTERS")
        .env_remove("NIX_PATH")
        .args([
            "build",
            "graph.nix",
            "-A",
            "top",
            "--no-out-link",
            "--argstr",
            "salt",
            salt,
        ])
        .args(extra);
    run(c)
}

#[test]
fn build_substitutes_from_a_signed_cache_and_falls_back_to_building() {
    assert!(
        Path::new("/bin/busybox").is_file() || Path::new("/usr/bin/busybox").is_file(),
        "busybox-static is required (scripts/install-deps installs it)"
    );
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    fs::write(w.join("graph.nix"), GRAPH).unwrap();
    let salt = w.display().to_string();
    let (sk, pk) = generate_key(w, "subst-1");
    let (_, other_pk) = generate_key(w, "other-1");
    // Build in one store and push the output's closure.
    let a = w.join("a");
    let built = build(&a, w, &salt, &[]);
    let out = ok(built, "xnix build");
    let path = out.trim().to_string();
    let cache = w.join("cache");
    let url = format!("file://{}", cache.display());
    let mut c = xnix(&a);
    c.args(["copy", "--to", &url, "--sign-key", &sk, &path]);
    ok(run(c), "xnix copy --to");

    // A trusted cache: fetched, nothing built (the dependency neither).
    let b = w.join("b");
    let o = build(
        &b,
        w,
        &salt,
        &["--substituters", &url, "--trusted-key", &pk],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok(o, "xnix build --substituters").trim(), path);
    assert!(
        err.contains(&format!("copying path '{path}' from '{url}'")),
        "{err}"
    );
    assert!(
        !err.contains("building '"),
        "built although substitutable: {err}"
    );
    assert!(xnix_dump(&b, &path) == xnix_dump(&a, &path));
    let mut c = xnix(&b);
    c.args(["store", "verify", "--check-contents"]);
    ok(run(c), "xnix store verify");

    // The same through the environment.
    let e = w.join("e");
    let mut c = xnix(&e);
    c.current_dir(w)
        .env("XNIX_SUBSTITUTERS", &url)
        .env("XNIX_TRUSTED_PUBLIC_KEYS", &pk)
        .args([
            "build",
            "graph.nix",
            "-A",
            "top",
            "--no-out-link",
            "--argstr",
            "salt",
            &salt,
        ]);
    let o = run(c);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok(o, "xnix build (XNIX_SUBSTITUTERS)").trim(), path);
    assert!(!err.contains("building '"), "{err}");

    // `xnix run` substitutes as `xnix build` does: the program and what it
    // refers to come from the cache, and it runs.
    let mut c = xnix(&a);
    c.current_dir(w).args([
        "build",
        "graph.nix",
        "-A",
        "prog",
        "--no-out-link",
        "--argstr",
        "salt",
        &salt,
    ]);
    let prog = ok(run(c), "xnix build prog").trim().to_string();
    let mut c = xnix(&a);
    c.args(["copy", "--to", &url, "--sign-key", &sk, &prog]);
    ok(run(c), "xnix copy --to (prog)");
    let mut c = xnix(&w.join("r"));
    c.current_dir(w).env_remove("XNIX_SUBSTITUTERS").args([
        "run",
        "graph.nix",
        "-A",
        "prog",
        "--argstr",
        "salt",
        &salt,
        "--substituters",
        &url,
        "--trusted-key",
        &pk,
    ]);
    let o = run(c);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok(o, "xnix run --substituters"), "ran\n");
    assert!(!err.contains("building '"), "{err}");
    let dep_copied = err
        .lines()
        .any(|l| l.starts_with("copying path") && l.contains("-dep'"));
    assert!(dep_copied, "{err}");

    // Signed by a key that is not trusted: a warning, then built.
    let c_root = w.join("c");
    let o = build(
        &c_root,
        w,
        &salt,
        &["--substituters", &url, "--trusted-key", &other_pk],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok(o, "xnix build (untrusted cache)").trim(), path);
    assert!(
        err.contains("warning:") && err.contains("no valid signature"),
        "{err}"
    );
    assert_eq!(err.matches("building '").count(), 2, "{err}");

    // A tampered NAR: refused, built instead, nothing bad registered.
    let narinfo = cache.join(format!(
        "{}.narinfo",
        path.trim_start_matches("/nix/store/")
            .split('-')
            .next()
            .unwrap()
    ));
    let text = fs::read_to_string(&narinfo).unwrap();
    let nar_url = text
        .lines()
        .find_map(|l| l.strip_prefix("URL: "))
        .unwrap()
        .to_string();
    let nar_file = cache.join(&nar_url);
    let mut bytes = fs::read(&nar_file).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    fs::write(&nar_file, &bytes).unwrap();
    let d = w.join("d");
    let o = build(
        &d,
        w,
        &salt,
        &["--substituters", &url, "--trusted-key", &pk],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(ok(o, "xnix build (tampered cache)").trim(), path);
    assert!(err.contains("warning:") && err.contains("corrupt"), "{err}");
    assert!(err.contains("building '"), "{err}");
    let mut c = xnix(&d);
    c.args(["store", "verify", "--check-contents"]);
    ok(run(c), "xnix store verify");
}

/// Serve `dir` over HTTP on a local port until the process ends (one
/// request per connection; 404 for anything absent). Returns the base URL.
fn serve_dir(dir: &Path) -> String {
    use std::io::{BufRead, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let name = request
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches("/cache/")
                .to_string();
            let body = if name.contains("..") {
                None
            } else {
                fs::read(dir.join(&name)).ok()
            };
            let _ = match body {
                Some(b) => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| stream.write_all(&b)),
                None => stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    format!("http://{addr}/cache")
}

#[test]
fn copy_from_an_http_cache() {
    let work = tempfile::tempdir().unwrap();
    let (sk, pk) = generate_key(work.path(), "http-1");
    let root = work.path().join("root");
    let f = work.path().join("file");
    fs::write(&f, format!("served {}\n", work.path().display())).unwrap();
    let mut c = xnix(&root);
    c.args(["store", "add"]).arg(&f);
    let p = ok(run(c), "xnix store add").trim().to_string();
    let cache = work.path().join("cache");
    let mut c = xnix(&root);
    c.args([
        "copy",
        "--to",
        &format!("file://{}", cache.display()),
        "--sign-key",
        &sk,
        &p,
    ]);
    ok(run(c), "xnix copy --to");
    let url = serve_dir(&cache);
    // Writing over HTTP is refused.
    let mut c = xnix(&root);
    c.args(["copy", "--to", &url, &p]);
    let o = run(c);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("read-only"));
    // Reading: the path, and a clear error for a path the cache lacks.
    let dest = work.path().join("dest");
    let mut c = xnix(&dest);
    c.args(["copy", "--json", "--from", &url, "--trusted-key", &pk, &p]);
    let report: serde_json::Value = serde_json::from_str(&ok(run(c), "copy --from http")).unwrap();
    assert_eq!(report["copied"], serde_json::json!([p]));
    assert!(xnix_dump(&dest, &p) == xnix_dump(&root, &p));
    let absent = "/nix/store/00000000000000000000000000000000-absent";
    let mut c = xnix(&dest);
    c.args(["copy", "--from", &url, "--trusted-key", &pk, absent]);
    let o = run(c);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("does not have '{absent}'")), "{err}");
}
