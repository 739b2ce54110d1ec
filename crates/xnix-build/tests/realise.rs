//! Realising derivations into a real `LocalStore`: the build graph,
//! skipping valid outputs, parallel jobs, keep-going, registration with
//! references and deriver, logs, `builtin:fetchurl`, fixed outputs, and a
//! differential check against Nix 2.8 building the same `.drv`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{busybox, nix_hash};
use xnix_build::builder::{
    build_log_path, find_build_log, realise, BuildError, BuildEvent, BuildOptions, NoProgress,
};
use xnix_build::sandbox::SandboxPath;
use xnix_formats::{
    ContentAddressMethod, Derivation, DerivationOutput, DrvHashCache, FixedOutputHash, Hash,
    HashAlgo, StoreDir, StorePath,
};
use xnix_store::{LocalStore, LocalStoreConfig};

struct Fixture {
    _dir: tempfile::TempDir,
    store: LocalStore,
    hashes: DrvHashCache,
    options: BuildOptions,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // Store objects are read-only; make the tree removable also for an
        // unprivileged user before the temporary directory goes.
        let _ = xnix_build::sandbox::remove_tree(&self._dir.path().join("root"));
    }
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_store_dir(StoreDir::new("/xnix/store").unwrap())
    }

    fn with_store_dir(store_dir: StoreDir) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(LocalStoreConfig::with_root(
            store_dir,
            dir.path().join("root"),
        ))
        .unwrap();
        let bb = busybox();
        let options = BuildOptions {
            jobs: 2,
            sandbox_paths: vec![
                SandboxPath {
                    inside: "/bin/sh".into(),
                    host: bb.clone(),
                    optional: false,
                },
                SandboxPath {
                    inside: "/bin/busybox".into(),
                    host: bb,
                    optional: false,
                },
            ],
            ..BuildOptions::default()
        };
        Fixture {
            _dir: dir,
            store,
            hashes: DrvHashCache::new(),
            options,
        }
    }

    fn print(&self, p: &StorePath) -> String {
        self.store.print_path(p)
    }

    /// Adds a derivation whose builder runs `script` with busybox's shell;
    /// each dependency's `out` is passed in an environment variable.
    fn shell_drv(
        &mut self,
        name: &str,
        script: &str,
        deps: &[(&str, &StorePath)],
    ) -> (StorePath, StorePath) {
        let mut drv = Derivation {
            name: name.to_string(),
            platform: xnix_platform::host_double(),
            builder: "/bin/sh".to_string(),
            args: vec!["-c".to_string(), script.to_string()],
            ..Default::default()
        };
        drv.outputs
            .insert("out".to_string(), DerivationOutput::default());
        drv.env.insert("name".into(), name.into());
        drv.env.insert("builder".into(), "/bin/sh".into());
        drv.env
            .insert("system".into(), xnix_platform::host_double());
        for (var, dep_drv) in deps {
            let dep = self.store.read_derivation(dep_drv).unwrap();
            let out = dep.outputs["out"].path.clone().unwrap();
            drv.env.insert(var.to_string(), self.print(&out));
            drv.input_drvs
                .insert((*dep_drv).clone(), ["out".to_string()].into());
        }
        self.add(drv)
    }

    fn add(&mut self, mut drv: Derivation) -> (StorePath, StorePath) {
        let hashes = drv
            .fill_output_paths(self.store.store_dir(), self.hashes.lookup())
            .unwrap();
        let drv_path = self.store.add_derivation(&drv).unwrap();
        self.hashes.insert(drv_path.clone(), hashes);
        let out = drv.outputs["out"].path.clone().unwrap();
        (drv_path, out)
    }

    fn fixed_drv(
        &mut self,
        name: &str,
        builder: &str,
        fixed: FixedOutputHash,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> (StorePath, StorePath) {
        let mut drv = Derivation {
            name: name.to_string(),
            platform: if builder.starts_with("builtin:") {
                "builtin".into()
            } else {
                xnix_platform::host_double()
            },
            builder: builder.to_string(),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        drv.outputs.insert(
            "out".into(),
            DerivationOutput {
                path: None,
                fixed: Some(fixed.clone()),
            },
        );
        drv.env.insert("name".into(), name.into());
        drv.env.insert("builder".into(), builder.into());
        drv.env.insert("outputHash".into(), fixed.hash.to_base32());
        drv.env
            .insert("outputHashAlgo".into(), fixed.hash.algo().to_string());
        let mode = if fixed.method == ContentAddressMethod::Recursive {
            "recursive"
        } else {
            "flat"
        };
        drv.env.insert("outputHashMode".into(), mode.into());
        for (k, v) in env {
            drv.env.insert(k.to_string(), v.to_string());
        }
        self.add(drv)
    }

    /// Opens the store afresh (dropping this process's temporary roots).
    fn reopen(&mut self) {
        let sd = self.store.store_dir().clone();
        self.store = LocalStore::open(LocalStoreConfig::with_root(
            sd,
            self._dir.path().join("root"),
        ))
        .unwrap();
    }

    fn real(&self, p: &StorePath) -> PathBuf {
        self.store.real_path(p)
    }
}

#[test]
fn builds_a_chain_registers_references_deriver_and_logs() {
    let mut fx = Fixture::new();
    let (a_drv, a_out) = fx.shell_drv(
        "a",
        "mkdir $out; echo from-a > $out/msg; echo building a",
        &[],
    );
    let (b_drv, b_out) = fx.shell_drv(
        "b",
        "mkdir $out; cat $a/msg > $out/copied; echo $a > $out/ref-to-a; echo $out > $out/self; echo building b",
        &[("a", &a_drv)],
    );
    let (c_drv, c_out) = fx.shell_drv("c", "echo independent > $out", &[]);

    let lines = Mutex::new(Vec::new());
    let progress = |e: &BuildEvent<'_>| {
        if let BuildEvent::LogLine { drv, line } = e {
            lines
                .lock()
                .unwrap()
                .push((drv.to_string(), line.to_string()));
        }
    };
    let realised = realise(
        &fx.store,
        &[b_drv.clone(), c_drv.clone()],
        &fx.options,
        &progress,
    )
    .unwrap();
    assert_eq!(realised.outputs[&b_drv]["out"], b_out);
    assert_eq!(realised.outputs[&c_drv]["out"], c_out);
    let built: BTreeSet<_> = realised.built.iter().cloned().collect();
    assert_eq!(built, [a_drv.clone(), b_drv.clone(), c_drv.clone()].into());
    // a was built before b.
    let pos = |d: &StorePath| realised.built.iter().position(|x| x == d).unwrap();
    assert!(pos(&a_drv) < pos(&b_drv));

    assert_eq!(
        fs::read_to_string(fx.real(&b_out).join("copied")).unwrap(),
        "from-a\n"
    );
    let b_info = fx
        .store
        .query_path_info(&b_out)
        .unwrap()
        .expect("b is valid");
    assert_eq!(b_info.references, [a_out.clone(), b_out.clone()].into());
    assert_eq!(b_info.deriver.as_ref(), Some(&b_drv));
    assert_eq!(b_info.ca, None);
    let a_info = fx
        .store
        .query_path_info(&a_out)
        .unwrap()
        .expect("a is valid");
    assert!(a_info.references.is_empty());
    let c_info = fx.store.query_path_info(&c_out).unwrap().unwrap();
    // NAR hash and size agree with Nix's own nix-hash of the same tree.
    for (out, info) in [(&b_out, &b_info), (&c_out, &c_info)] {
        let expect = nix_hash(&[
            "--type",
            "sha256",
            "--base32",
            fx.real(out).to_str().unwrap(),
        ]);
        assert_eq!(
            info.nar_hash,
            Hash::parse_bare(&expect, HashAlgo::Sha256).unwrap()
        );
        assert!(info.nar_size > 0);
    }
    // Canonical metadata.
    let meta = fs::metadata(fx.real(&b_out).join("copied")).unwrap();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    assert_eq!(meta.permissions().mode() & 0o777, 0o444);
    assert_eq!(meta.mtime(), 1);

    // Logs: per derivation, reachable from the output path too.
    let log = build_log_path(fx.store.state_dir(), &b_drv);
    assert_eq!(fs::read_to_string(&log).unwrap(), "building b\n");
    assert_eq!(find_build_log(&fx.store, &b_out).unwrap(), Some(log));
    assert!(lines
        .lock()
        .unwrap()
        .contains(&(b_drv.to_string(), "building b".to_string())));

    // Everything is valid now: nothing is built again.
    let again = realise(
        &fx.store,
        std::slice::from_ref(&b_drv),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    assert!(again.built.is_empty());
    assert_eq!(again.outputs[&b_drv]["out"], b_out);
}

#[test]
fn valid_outputs_are_not_rebuilt_and_their_inputs_not_needed() {
    let mut fx = Fixture::new();
    let (a_drv, _) = fx.shell_drv("dep", "echo dep > $out", &[]);
    let (b_drv, _) = fx.shell_drv("top", "cat $dep > $out", &[("dep", &a_drv)]);
    realise(
        &fx.store,
        std::slice::from_ref(&a_drv),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    let r = realise(
        &fx.store,
        std::slice::from_ref(&b_drv),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(r.built, [b_drv]);
}

#[test]
fn independent_builds_run_in_parallel_and_dependents_wait() {
    let mut fx = Fixture::new();
    fx.options.jobs = 2;
    let (x_drv, _) = fx.shell_drv("x", "sleep 1; echo x > $out", &[]);
    let (y_drv, _) = fx.shell_drv("y", "sleep 1; echo y > $out", &[]);
    let (z_drv, _) = fx.shell_drv("z", "cat $x $y > $out", &[("x", &x_drv), ("y", &y_drv)]);
    let events = Mutex::new(Vec::new());
    let progress = |e: &BuildEvent<'_>| match e {
        BuildEvent::Started { drv } => events.lock().unwrap().push(("start", (*drv).clone())),
        BuildEvent::Finished { drv, .. } => events.lock().unwrap().push(("finish", (*drv).clone())),
        _ => {}
    };
    realise(
        &fx.store,
        std::slice::from_ref(&z_drv),
        &fx.options,
        &progress,
    )
    .unwrap();
    let ev = events.into_inner().unwrap();
    let idx =
        |kind: &str, d: &StorePath| ev.iter().position(|(k, x)| *k == kind && x == d).unwrap();
    // Both sleepers started before either finished.
    assert!(
        idx("start", &x_drv) < idx("finish", &y_drv)
            && idx("start", &y_drv) < idx("finish", &x_drv),
        "{ev:?}"
    );
    assert!(
        idx("start", &z_drv) > idx("finish", &x_drv)
            && idx("start", &z_drv) > idx("finish", &y_drv)
    );
}

#[test]
fn keep_going_builds_what_does_not_depend_on_a_failure() {
    let mut fx = Fixture::new();
    fx.options.keep_going = true;
    fx.options.jobs = 1;
    let (bad_drv, bad_out) = fx.shell_drv(
        "bad",
        "mkdir $out; echo partial > $out/x; echo about to fail; exit 7",
        &[],
    );
    let (after_drv, after_out) =
        fx.shell_drv("after-bad", "cat $bad/x > $out", &[("bad", &bad_drv)]);
    let (good_drv, good_out) = fx.shell_drv("good", "echo fine > $out", &[]);
    let err = realise(
        &fx.store,
        &[after_drv.clone(), good_drv.clone()],
        &fx.options,
        &NoProgress,
    )
    .unwrap_err();
    let failed: BTreeMap<_, _> = err.failures.iter().map(|(d, e)| (d.clone(), e)).collect();
    assert_eq!(failed.len(), 2, "{err}");
    assert!(
        matches!(failed[&bad_drv], BuildError::Builder { .. }),
        "{err}"
    );
    let log = failed[&bad_drv].builder_log().expect("the builder ran");
    assert!(log.exists() && err.to_string().contains(&log.display().to_string()));
    assert_eq!(
        failed[&bad_drv].builder_status(),
        Some(xnix_build::sandbox::BuilderStatus::Exited(7))
    );
    match failed[&after_drv] {
        // Typed: the failed dependency is a store path, not text to parse.
        BuildError::DependencyFailed { drv, dependency } => {
            assert_eq!((drv.path(), dependency.path()), (&after_drv, &bad_drv));
        }
        other => panic!("{other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("exit code 7") && msg.contains("about to fail"),
        "{msg}"
    );
    assert_eq!(err.built, [good_drv]);
    assert!(fx.store.is_valid_path(&good_out).unwrap());
    // Nothing of the failed builds is registered or left in the store.
    for p in [&bad_out, &after_out] {
        assert!(!fx.store.is_valid_path(p).unwrap());
        assert!(!fx.real(p).exists());
    }
}

#[test]
fn without_keep_going_a_failure_stops_the_rest() {
    let mut fx = Fixture::new();
    fx.options.jobs = 1;
    let (bad_drv, _) = fx.shell_drv("bad2", "exit 1", &[]);
    // `later` waits on a long chain so that it cannot start before `bad2`
    // fails: with one job the chain's first step and bad2 race, but the
    // chain's end needs three builds.
    let (s1, _) = fx.shell_drv("s1", "echo 1 > $out", &[]);
    let (s2, _) = fx.shell_drv("s2", "cat $s1 > $out", &[("s1", &s1)]);
    let (s3, s3_out) = fx.shell_drv("s3", "cat $s2 > $out", &[("s2", &s2)]);
    let err = realise(
        &fx.store,
        &[bad_drv.clone(), s3.clone()],
        &fx.options,
        &NoProgress,
    )
    .unwrap_err();
    assert_eq!(err.failures.len(), 1);
    assert_eq!(err.failures[0].0, bad_drv);
    assert!(!err.built.contains(&s3));
    assert!(!fx.store.is_valid_path(&s3_out).unwrap());
}

#[test]
fn fixed_output_builds_are_verified() {
    let mut fx = Fixture::new();
    let content = "fixed content\n";
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("expected");
    fs::write(&f, content).unwrap();
    let flat = Hash::parse_bare(
        &nix_hash(&[
            "--type",
            "sha256",
            "--flat",
            "--base32",
            f.to_str().unwrap(),
        ]),
        HashAlgo::Sha256,
    )
    .unwrap();
    let fixed = FixedOutputHash {
        method: ContentAddressMethod::Flat,
        hash: flat.clone(),
    };
    let script = "printf 'fixed content\\n' > $out";
    let (ok_drv, ok_out) = fx.fixed_drv("fixed-ok", "/bin/sh", fixed.clone(), &[], &["-c", script]);
    realise(
        &fx.store,
        std::slice::from_ref(&ok_drv),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    let info = fx.store.query_path_info(&ok_out).unwrap().unwrap();
    assert_eq!(
        info.ca.as_deref(),
        Some(format!("fixed:sha256:{}", flat.to_base32()).as_str())
    );
    assert_eq!(info.deriver, Some(ok_drv));

    let wrong = FixedOutputHash {
        method: ContentAddressMethod::Flat,
        hash: Hash::digest(HashAlgo::Sha256, "other"),
    };
    let (bad_drv, bad_out) =
        fx.fixed_drv("fixed-bad", "/bin/sh", wrong.clone(), &[], &["-c", script]);
    let err = realise(&fx.store, &[bad_drv], &fx.options, &NoProgress).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("specified: {}", wrong.hash.to_sri()))
            && msg.contains(&format!("got:       {}", flat.to_sri())),
        "{msg}"
    );
    assert!(!fx.store.is_valid_path(&bad_out).unwrap());
    assert!(!fx.real(&bad_out).exists());
}

#[test]
fn reference_constraints_are_enforced() {
    let mut fx = Fixture::new();
    let (leaf_drv, leaf_out) = fx.shell_drv("leaf", "echo leaf > $out", &[]);
    let (mid_drv, mid_out) = fx.shell_drv("mid", "echo $leaf > $out", &[("leaf", &leaf_drv)]);
    let leaf = fx.print(&leaf_out);
    let mid = fx.print(&mid_out);
    // Each case: (attribute, value, whether the build must succeed). The
    // output refers to `mid`, whose closure holds `leaf`.
    let cases = [
        ("allowedReferences", mid.clone(), true),
        ("allowedReferences", String::new(), false),
        ("disallowedReferences", mid.clone(), false),
        ("disallowedReferences", leaf.clone(), true),
        ("allowedRequisites", mid.clone(), false),
        ("allowedRequisites", format!("{mid} {leaf}"), true),
        ("disallowedRequisites", leaf.clone(), false),
    ];
    for (i, (attr, value, ok)) in cases.iter().enumerate() {
        let mut drv = fx.store.read_derivation(&mid_drv).unwrap();
        drv.name = format!("top{i}");
        drv.input_drvs = [(mid_drv.clone(), ["out".to_string()].into())].into();
        drv.args = vec!["-c".into(), "echo $mid > $out".into()];
        drv.env = [
            ("name".to_string(), drv.name.clone()),
            ("mid".to_string(), mid.clone()),
            (attr.to_string(), value.clone()),
        ]
        .into();
        let (d, out) = fx.add(drv);
        let result = realise(
            &fx.store,
            std::slice::from_ref(&d),
            &fx.options,
            &NoProgress,
        );
        match (ok, result) {
            (true, Ok(_)) => assert!(fx.store.is_valid_path(&out).unwrap()),
            (false, Err(e)) => {
                assert!(
                    matches!(e.failures[0].1, BuildError::ReferenceConstraint { .. }),
                    "{e}"
                );
                assert!(e.to_string().contains(attr), "{e}");
                assert!(!fx.store.is_valid_path(&out).unwrap());
                assert!(!fx.real(&out).exists());
            }
            (ok, r) => panic!("case {attr} = {value:?}: expected success {ok}, got {r:?}"),
        }
    }
}

/// Serves `body` to every request on 127.0.0.1 for a bounded time.
fn serve(body: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Ok((mut c, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            c.set_nonblocking(false).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 512];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                c,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = c.write_all(body);
        }
    });
    port
}

#[test]
fn builtin_fetchurl_downloads_verifies_and_registers() {
    const BODY: &[u8] = b"tarball bytes for builtin:fetchurl\n";
    let port = serve(BODY);
    let mut fx = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("body");
    fs::write(&f, BODY).unwrap();
    let hash = Hash::parse_bare(
        &nix_hash(&[
            "--type",
            "sha256",
            "--flat",
            "--base32",
            f.to_str().unwrap(),
        ]),
        HashAlgo::Sha256,
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/src.tar");
    let fixed = FixedOutputHash {
        method: ContentAddressMethod::Flat,
        hash: hash.clone(),
    };
    let (drv, out) = fx.fixed_drv("src.tar", "builtin:fetchurl", fixed, &[("url", &url)], &[]);
    realise(
        &fx.store,
        std::slice::from_ref(&drv),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(fs::read(fx.real(&out)).unwrap(), BODY);
    let info = fx.store.query_path_info(&out).unwrap().unwrap();
    assert_eq!(info.ca, Some(format!("fixed:sha256:{}", hash.to_base32())));
    let log = fs::read_to_string(build_log_path(fx.store.state_dir(), &drv)).unwrap();
    assert!(log.contains(&url), "{log}");

    // A wrong hash: an SRI error, nothing registered, nothing left behind.
    let wrong = Hash::digest(HashAlgo::Sha256, "not the body");
    let fixed = FixedOutputHash {
        method: ContentAddressMethod::Flat,
        hash: wrong.clone(),
    };
    let (drv2, out2) = fx.fixed_drv("src2.tar", "builtin:fetchurl", fixed, &[("url", &url)], &[]);
    let err = realise(&fx.store, &[drv2], &fx.options, &NoProgress).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&wrong.to_sri()) && msg.contains(&hash.to_sri()),
        "{msg}"
    );
    assert!(!fx.store.is_valid_path(&out2).unwrap());
    assert!(!fx.real(&out2).exists());
    let leftovers: Vec<_> = fs::read_dir(fx.store.real_store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-src2.tar"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn missing_inputs_and_foreign_platforms_are_clear_errors() {
    let mut fx = Fixture::new();
    let mut drv = Derivation {
        name: "needs-src".into(),
        platform: xnix_platform::host_double(),
        builder: "/bin/sh".into(),
        args: vec!["-c".into(), "touch $out".into()],
        ..Default::default()
    };
    drv.outputs
        .insert("out".into(), DerivationOutput::default());
    // An input source that is not in the store; the .drv file is written
    // directly (the store would refuse to register it with an invalid input).
    let src = StorePath::from_base_name("00000000000000000000000000000000-some-src").unwrap();
    drv.input_srcs.insert(src.clone());
    drv.fill_output_paths(fx.store.store_dir(), fx.hashes.lookup())
        .unwrap();
    let d = drv.drv_path(fx.store.store_dir()).unwrap();
    fs::write(fx.real(&d), drv.to_aterm(fx.store.store_dir())).unwrap();
    let err = realise(&fx.store, &[d], &fx.options, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("is not valid"), "{err}");
    assert!(err.to_string().contains(&fx.print(&src)), "{err}");

    let mut needs_kvm = drv.clone();
    needs_kvm.name = "needs-features".into();
    needs_kvm.input_srcs.clear();
    needs_kvm.env.insert(
        "requiredSystemFeatures".into(),
        "big-parallel xnix-test-feature".into(),
    );
    let (d, _) = fx.add(needs_kvm.clone());
    let err = realise(
        &fx.store,
        std::slice::from_ref(&d),
        &fx.options,
        &NoProgress,
    )
    .unwrap_err();
    assert!(
        matches!(err.failures[0].1, BuildError::MissingSystemFeatures { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("{xnix-test-feature}"), "{err}");
    fx.options
        .system_features
        .insert("xnix-test-feature".into());
    realise(&fx.store, &[d], &fx.options, &NoProgress).unwrap();

    let foreign_base = drv.clone();
    let mut foreign = drv;
    foreign.name = "foreign".into();
    foreign.input_srcs.clear();
    foreign.platform = "riscv64-none-elf".into();
    let (d, _) = fx.add(foreign);
    let err = realise(&fx.store, &[d], &fx.options, &NoProgress).unwrap_err();
    // Nothing here runs or emulates bare-metal programs: the error names
    // the system, what was tried and what to do.
    assert!(
        matches!(err.failures[0].1, BuildError::Emulation { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("for 'riscv64-none-elf'"), "{msg}");
    assert!(msg.contains("tried: native execution"), "{msg}");
    assert!(msg.contains("--builders"), "{msg}");

    // What a machine builds is xnix-platform's answer (canExecute), not
    // string equality: an x86_64-linux machine runs i686-linux builders
    // natively and aarch64-linux ones emulated (qemu-user-static), but no
    // x86_64-darwin ones. (The builder here is the host's /bin/sh
    // always; only the declared system differs.)
    fx.options.system = "x86_64-linux".into();
    fx.options.extra_platforms.clear();
    for (system, builds) in [
        ("i686-linux", true),
        ("aarch64-linux", true),
        ("x86_64-darwin", false),
    ] {
        let mut d = foreign_base.clone();
        d.input_srcs.clear();
        d.name = format!("for-{system}");
        d.platform = system.into();
        let (d, _) = fx.add(d);
        let result = realise(&fx.store, &[d], &fx.options, &NoProgress);
        match (builds, result) {
            (true, Ok(_)) => {}
            (false, Err(e)) => assert!(
                matches!(e.failures[0].1, BuildError::Emulation { .. }),
                "{e}"
            ),
            (_, other) => panic!("{system}: {other:?}"),
        }
    }
}

/// Builds the same `.drv` with Nix 2.8 (in /nix/store) and with xnix (in a
/// store with the logical directory /nix/store under a temporary root) and
/// compares output path, NAR hash and references.
#[test]
fn same_output_as_nix_for_the_same_derivation() {
    let work = tempfile::tempdir().unwrap();
    let bb_dir = work.path().join("bb");
    fs::create_dir(&bb_dir).unwrap();
    fs::copy(busybox(), bb_dir.join("sh")).unwrap();
    let expr = work.path().join("t.nix");
    fs::write(
        &expr,
        "derivation {\n  name = \"xnix-build-differential\";\n  system = builtins.currentSystem;\n  \
         builder = \"${./bb}/sh\";\n  args = [ \"-c\" \"mkdir $out; echo hello > $out/greeting; \
         ln -s $out/greeting $out/link; echo $out > $out/self; echo $0 > $out/argv0; \
         echo $builder > $out/uses-builder; mkdir $out/sub; printf x > $out/sub/f; chmod +x $out/sub/f; \
         cat graph > $out/graph\" ];\n  exportReferencesGraph = [ \"graph\" (builtins.toFile \"refers-to-bb\" \"${./bb}/sh\") ];\n}\n",
    )
    .unwrap();
    let run = |cmd: &mut Command| -> String {
        let out = cmd
            .output()
            .expect("Nix 2.8 is required for this test: run scripts/install-deps test");
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let nix_drv = run(Command::new("nix-instantiate").arg(&expr));
    let nix_out = run(Command::new("nix-store").args(["--realise", &nix_drv]));
    let nix_nar = run(Command::new("nix-store").args(["-q", "--hash", &nix_out]));
    let nix_refs: BTreeSet<String> =
        run(Command::new("nix-store").args(["-q", "--references", &nix_out]))
            .lines()
            .map(str::to_string)
            .collect();

    let mut fx = Fixture::with_store_dir(StoreDir::nix());
    fx.options.sandbox_paths.clear(); // the builder comes from the store
    let bb_path = fx.store.add_to_store("bb", &bb_dir).unwrap();
    // The text file whose closure exportReferencesGraph describes.
    let text = format!("{}/sh", fx.print(&bb_path));
    fx.store
        .add_text_to_store("refers-to-bb", text.as_bytes(), &[bb_path.clone()].into())
        .unwrap();
    let drv_text = fs::read_to_string(&nix_drv).unwrap();
    let drv =
        Derivation::parse_aterm(&StoreDir::nix(), "xnix-build-differential", &drv_text).unwrap();
    assert!(
        drv.input_srcs.contains(&bb_path),
        "xnix's source path differs from Nix's"
    );
    let drv_path = fx.store.add_derivation(&drv).unwrap();
    assert_eq!(fx.print(&drv_path), nix_drv);
    let realised = realise(
        &fx.store,
        std::slice::from_ref(&drv_path),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    let out = &realised.outputs[&drv_path]["out"];
    assert_eq!(fx.print(out), nix_out);
    let info = fx.store.query_path_info(out).unwrap().unwrap();
    assert_eq!(info.nar_hash.to_string(), nix_nar);
    let refs: BTreeSet<String> = info.references.iter().map(|p| fx.print(p)).collect();
    assert_eq!(refs, nix_refs);
    assert_eq!(
        fs::read_to_string(fx.real(out).join("argv0")).unwrap(),
        "sh\n"
    );
    let _ = Path::new(&nix_out);
}

/// `import <nix/fetchurl.nix>` (Nix's own builtin:fetchurl derivation,
/// executable and so recursively hashed) realised by Nix and by xnix from
/// the same local server: same `.drv`, output path and NAR hash.
#[test]
fn builtin_fetchurl_derivation_from_nix_gives_the_same_output() {
    const TOOL: &[u8] = b"#!/bin/sh\necho fetched tool\n";
    let port = serve(TOOL);
    let work = tempfile::tempdir().unwrap();
    let reference = work.path().join("tool");
    fs::write(&reference, TOOL).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&reference, fs::Permissions::from_mode(0o755)).unwrap();
    let sha256 = nix_hash(&["--type", "sha256", "--base32", reference.to_str().unwrap()]);
    let expr = format!(
        "import <nix/fetchurl.nix> {{ url = \"http://127.0.0.1:{port}/tool\"; sha256 = \"{sha256}\"; executable = true; }}"
    );
    let run = |cmd: &mut Command| -> String {
        let out = cmd
            .output()
            .expect("Nix 2.8 is required for this test: run scripts/install-deps test");
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let nix_drv = run(Command::new("nix-instantiate").args(["-E", &expr]));
    let nix_out = run(Command::new("nix-store").args(["--realise", &nix_drv]));
    let nix_nar = run(Command::new("nix-store").args(["-q", "--hash", &nix_out]));

    let fx = Fixture::with_store_dir(StoreDir::nix());
    let text = fs::read_to_string(&nix_drv).unwrap();
    let drv = Derivation::parse_aterm(&StoreDir::nix(), "tool", &text).unwrap();
    let drv_path = fx.store.add_derivation(&drv).unwrap();
    assert_eq!(fx.print(&drv_path), nix_drv);
    let realised = realise(
        &fx.store,
        std::slice::from_ref(&drv_path),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    let out = &realised.outputs[&drv_path]["out"];
    assert_eq!(fx.print(out), nix_out);
    let info = fx.store.query_path_info(out).unwrap().unwrap();
    assert_eq!(info.nar_hash.to_string(), nix_nar);
    assert_eq!(info.ca, Some(format!("fixed:r:sha256:{sha256}")));
    assert_eq!(fs::read(fx.real(out)).unwrap(), TOOL);
    assert_eq!(
        fs::metadata(fx.real(out)).unwrap().permissions().mode() & 0o777,
        0o555
    );
}

/// xnixpkgs' host-tools contract: `__impureHostDeps` shares host
/// directories read-only, so `/bin/bash` can be the builder; nothing else
/// of the host appears.
#[test]
fn impure_host_deps_share_host_directories_read_only() {
    let mut fx = Fixture::new();
    let mut drv = Derivation {
        name: "host-tools".into(),
        platform: xnix_platform::host_double(),
        builder: "/bin/bash".into(),
        args: vec![
            "-c".into(),
            "{ echo \"$0 ${BASH_VERSINFO[0]}\"; test -e /home && echo home-visible; test -e /root && echo root-visible; \
             touch /usr/xnix-probe 2>/dev/null && echo usr-writable; /bin/sh -c 'echo sh-works'; } > $out"
                .into(),
        ],
        ..Default::default()
    };
    drv.outputs
        .insert("out".into(), DerivationOutput::default());
    drv.env.insert("name".into(), "host-tools".into());
    drv.env.insert(
        "__impureHostDeps".into(),
        "/usr /bin /lib /lib64 /no/such/dir".into(),
    );
    let (d, out) = fx.add(drv);
    // The busybox /bin/sh sandbox path is covered by /bin and dropped.
    let r = realise(
        &fx.store,
        std::slice::from_ref(&d),
        &fx.options,
        &NoProgress,
    );
    if let Err(e) = &r {
        panic!("{e}");
    }
    let text = fs::read_to_string(fx.real(&out)).unwrap();
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("bash ") && first[5..].parse::<u32>().unwrap() >= 4,
        "{text}"
    );
    assert_eq!(lines.collect::<Vec<_>>(), ["sh-works"], "{text}");
    assert!(!Path::new("/usr/xnix-probe").exists());
}

#[test]
fn a_partly_valid_derivation_rebuilds_only_its_missing_outputs() {
    let mut fx = Fixture::new();
    let mut drv = Derivation {
        name: "multi".into(),
        platform: xnix_platform::host_double(),
        builder: "/bin/sh".into(),
        args: vec![
            "-c".into(),
            "mkdir $out $dev; echo out > $out/f; echo $out > $dev/ref-to-out".into(),
        ],
        ..Default::default()
    };
    drv.outputs
        .insert("out".into(), DerivationOutput::default());
    drv.outputs
        .insert("dev".into(), DerivationOutput::default());
    drv.env.insert("name".into(), "multi".into());
    drv.env.insert("outputs".into(), "out dev".into());
    let (d, out) = fx.add(drv);
    let dev = fx.store.read_derivation(&d).unwrap().outputs["dev"]
        .path
        .clone()
        .unwrap();
    realise(
        &fx.store,
        std::slice::from_ref(&d),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    let out_before = fx.store.query_path_info(&out).unwrap().unwrap();
    use std::os::unix::fs::MetadataExt;
    let stamp = |p: &Path| {
        let m = fs::metadata(p).unwrap();
        (m.ino(), m.ctime(), m.ctime_nsec())
    };
    let stamp_before = stamp(&fx.real(&out).join("f"));

    fx.reopen();
    fx.store.delete_paths(&[dev.clone()].into()).unwrap();
    assert!(!fx.store.is_valid_path(&dev).unwrap());
    let r = realise(
        &fx.store,
        std::slice::from_ref(&d),
        &fx.options,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(r.built, std::slice::from_ref(&d));
    let dev_info = fx
        .store
        .query_path_info(&dev)
        .unwrap()
        .expect("dev is valid again");
    assert_eq!(dev_info.references, [out.clone()].into());
    // The valid output was neither replaced nor registered again.
    assert_eq!(fx.store.query_path_info(&out).unwrap().unwrap(), out_before);
    assert_eq!(
        fs::read_to_string(fx.real(&out).join("f")).unwrap(),
        "out\n"
    );
    // Untouched on disk: same inode and status-change time.
    assert_eq!(stamp(&fx.real(&out).join("f")), stamp_before);
}

#[test]
fn two_processes_realising_the_same_derivation_build_it_once() {
    let mut fx = Fixture::new();
    let (d, out) = fx.shell_drv("shared", "sleep 1; echo once > $out", &[]);
    let root = fx._dir.path().join("root");
    let sd = fx.store.store_dir().clone();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (root, sd, d, options) =
                    (root.clone(), sd.clone(), d.clone(), fx.options.clone());
                scope.spawn(move || {
                    // Each thread has its own store handle, as two processes would.
                    let store = LocalStore::open(LocalStoreConfig::with_root(sd, root)).unwrap();
                    realise(&store, &[d], &options, &NoProgress).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let builders = results.iter().filter(|r| r.built == [d.clone()]).count();
    assert_eq!(builders, 1, "{results:?}");
    for r in &results {
        assert_eq!(r.outputs[&d]["out"], out);
    }
    assert_eq!(fs::read_to_string(fx.real(&out)).unwrap(), "once\n");
}
