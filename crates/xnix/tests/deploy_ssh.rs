//! `xnix rebuild` against an SSH test host (sshd in namespaces, see
//! crates/xnix-test-support/src/ssh_hosts.rs): a riscv64 system cross-built
//! here (tests/deploy/board.nix) is copied and switched to, generations are
//! added, listed, tested and rolled back, and the system's riscv64 program
//! runs on the target through qemu. A deployer killed during activation
//! leaves the target at the new generation, since activation runs detached.

use std::io::Write;
use std::path::Path;
use std::process::Output;
use std::process::Stdio;

use xnix_test_support::ssh_hosts::{Host, Lab};
use xnix_test_support::store_root::workspace_root;

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// `xnix --store-root ROOT ARGS` run in the lab (as the deploying machine).
fn xnix(lab: &Lab, root: &Path, args: &[&str]) -> Output {
    lab.xnix(XNIX)
        .arg("--store-root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rebuild(lab: &Lab, root: &Path, action: &str, generation: u32, host: &Host) -> Output {
    xnix(
        lab,
        root,
        &[
            "rebuild",
            action,
            "-f",
            "tests/deploy/board.nix",
            "--arg",
            "generation",
            &generation.to_string(),
            "--target-host",
            &host.destination(),
        ],
    )
}

/// What the target says: its profile link, its /etc entry, its program's output.
fn target_state(lab: &Lab, host: &Host) -> (String, String, String) {
    let (good, out) = lab.ssh(
        host,
        "readlink /xnix/var/xnix/profiles/system; echo; cat /etc/board-generation; echo; \
         qemu-riscv64 -L /usr/riscv64-linux-gnu /xnix/var/xnix/current-system/sw/bin/board-greeting",
    );
    assert!(good, "{out}");
    let mut parts = out.split('\n').filter(|l| !l.is_empty());
    let profile = parts.next().unwrap_or_default().to_string();
    let etc = parts.next().unwrap_or_default().to_string();
    let greeting = parts.next().unwrap_or_default().to_string();
    (profile, etc, greeting)
}

#[test]
fn rebuild_switch_generations_rollback_on_a_test_host() {
    let mut lab = Lab::new();
    let board = lab.host("board", &[(Path::new(XNIX), "xnix")]);
    let root = lab.dir().join("deployer");

    ok(&rebuild(&lab, &root, "switch", 1, &board));
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-1-link".into(),
            "1".into(),
            "board generation 1".into()
        )
    );

    ok(&rebuild(&lab, &root, "switch", 2, &board));
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-2-link".into(),
            "2".into(),
            "board generation 2".into()
        )
    );
    // The same system again adds no generation.
    ok(&rebuild(&lab, &root, "switch", 2, &board));

    // dry-activate changes nothing; test activates without a generation.
    let out = ok_stderr(&rebuild(&lab, &root, "dry-activate", 3, &board));
    assert!(out.contains("would"), "{out}");
    assert_eq!(target_state(&lab, &board).1, "2");
    ok(&rebuild(&lab, &root, "test", 3, &board));
    let (profile, etc, greeting) = target_state(&lab, &board);
    assert_eq!((profile.as_str(), etc.as_str()), ("system-2-link", "3"));
    assert_eq!(greeting, "board generation 3");

    let list = ok(&xnix(
        &lab,
        &root,
        &[
            "rebuild",
            "list-generations",
            "--json",
            "--target-host",
            &board.destination(),
        ],
    ));
    let gens: serde_json::Value = serde_json::from_str(&list).unwrap();
    let gens = gens.as_array().unwrap();
    assert_eq!(gens.len(), 2, "{list}");
    assert_eq!(gens[1]["current"], true);
    assert_eq!(gens[0]["current"], false);

    // Back to generation 1.
    ok(&xnix(
        &lab,
        &root,
        &[
            "rebuild",
            "switch",
            "--rollback",
            "--target-host",
            &board.destination(),
        ],
    ));
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-1-link".into(),
            "1".into(),
            "board generation 1".into()
        )
    );
    // Nothing before generation 1: a clear error.
    let out = xnix(
        &lab,
        &root,
        &[
            "rebuild",
            "switch",
            "--rollback",
            "--target-host",
            &board.destination(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no generation before"));
    // The target's store holds only complete paths.
    let store = xnix_store::LocalStore::open(xnix_store::LocalStoreConfig::with_root(
        xnix_formats::StoreDir::new("/xnix/store").unwrap(),
        board.root(),
    ))
    .unwrap();
    assert!(store.verify().unwrap().is_clean());
}

fn ok_stderr(out: &Output) -> String {
    ok(out);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_deployer_killed_during_activation_leaves_the_target_at_the_new_generation() {
    let mut lab = Lab::new();
    let board = lab.host("board", &[(Path::new(XNIX), "xnix")]);
    let root = lab.dir().join("deployer");
    ok(&rebuild(&lab, &root, "switch", 1, &board));
    let deploy_dir = board.root().join("xnix/var/xnix/deploy");
    let count = || {
        std::fs::read_dir(&deploy_dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .count()
            })
            .unwrap_or(0)
    };
    let before = count();
    // Generation 2 activates slowly; the deployer is killed meanwhile.
    let mut child = lab
        .xnix(XNIX)
        .arg("--store-root")
        .arg(&root)
        .args([
            "rebuild",
            "switch",
            "-f",
            "tests/deploy/board.nix",
            "--arg",
            "generation",
            "2",
        ])
        .args([
            "--arg",
            "modules",
            "[ { system.activationScripts.slow = \"sleep 2\"; } ]",
        ])
        .args(["--target-host", &board.destination()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while count() == before {
        assert!(t.elapsed().as_secs() < 60, "the activation did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The activation goes on without the deployer and finishes.
    let t = std::time::Instant::now();
    let status = loop {
        let done = std::fs::read_dir(&deploy_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
            .count();
        if done > before {
            break done;
        }
        assert!(t.elapsed().as_secs() < 20, "the activation did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status, before + 1);
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-2-link".into(),
            "2".into(),
            "board generation 2".into()
        )
    );
}

#[test]
fn rebuild_with_a_build_host_builds_there_and_copies_straight_to_the_target() {
    let mut lab = Lab::new();
    let program: &[(&Path, &str)] = &[(Path::new(XNIX), "xnix")];
    let builder = lab.host("builder", program);
    let board = lab.host("board", program);
    let root = lab.dir().join("deployer");
    let out = xnix(
        &lab,
        &root,
        &[
            "rebuild",
            "switch",
            "-f",
            "tests/deploy/board.nix",
            "--arg",
            "generation",
            "5",
            "--build-host",
            &builder.destination(),
            "--target-host",
            &board.destination(),
        ],
    );
    ok(&out);
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-1-link".into(),
            "5".into(),
            "board generation 5".into()
        )
    );
    // Built on the build host, not here.
    let system =
        std::fs::read_link(board.root().join("xnix/var/xnix/profiles/system-1-link")).unwrap();
    let base = system.file_name().unwrap().to_owned();
    assert!(builder.root().join("xnix/store").join(&base).exists());
    assert!(!root.join("xnix/store").join(&base).exists());
}

#[test]
fn rebuild_from_a_flake() {
    let mut lab = Lab::new();
    let board = lab.host("board", &[(Path::new(XNIX), "xnix")]);
    let root = lab.dir().join("deployer");
    let flake = lab.dir().join("flake");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::copy(
        workspace_root().join("tests/deploy/flake/flake.nix"),
        flake.join("flake.nix"),
    )
    .unwrap();
    let out = lab
        .xnix(XNIX)
        .current_dir(&flake)
        .arg("--store-root")
        .arg(&root)
        .args([
            "rebuild",
            "switch",
            "--flake",
            ".#board",
            "--target-host",
            &board.destination(),
        ])
        .env("XNIX_PKGS", workspace_root().join("pkgs"))
        .env("XDG_CACHE_HOME", lab.dir().join("cache"))
        .output()
        .unwrap();
    ok(&out);
    let (good, text) = lab.ssh(
        &board,
        "readlink /xnix/var/xnix/profiles/system; cat /etc/board-generation",
    );
    assert!(good, "{text}");
    assert_eq!(text, "system-1-link\nflake\n");
    // Without a configuration name: a clear error.
    let out = lab
        .xnix(XNIX)
        .current_dir(&flake)
        .arg("--store-root")
        .arg(&root)
        .args(["rebuild", "build", "--flake", "."])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--flake .#board"));

    // `xnix deploy --flake` of the same system with deployment options: the
    // board runs it already (unchanged: only the health check runs). The
    // check records the evaluation's time on the board, so a result from
    // the evaluation cache shows: the same time again.
    let fleet = lab.dir().join("fleet-flake");
    std::fs::create_dir_all(&fleet).unwrap();
    let text = std::fs::read_to_string(flake.join("flake.nix")).unwrap();
    let text = text.replace(
        "environment.etc.\"board-generation\".text = \"flake\\n\";",
        &format!(
            "environment.etc.\"board-generation\".text = \"flake\\n\";\n        \
             deployment.targetHost = \"{}\";\n        \
             deployment.healthChecks = [ \"echo ${{toString builtins.currentTime}} >> /tmp/evaluated-at\" ];",
            board.address
        ),
    );
    assert!(text.contains("deployment.targetHost"), "{text}");
    std::fs::write(fleet.join("flake.nix"), text).unwrap();
    let deploy = |extra: &[&str]| {
        let out = lab
            .xnix(XNIX)
            .current_dir(&fleet)
            .arg("--store-root")
            .arg(&root)
            .args(["deploy", "--flake", ".", "--json"])
            .args(extra)
            .env("XNIX_PKGS", workspace_root().join("pkgs"))
            .env("XDG_CACHE_HOME", lab.dir().join("cache"))
            .output()
            .unwrap();
        let json = ok(&out);
        let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
        summary[0]["status"].as_str().unwrap().to_string()
    };
    let evaluated_at = || {
        std::fs::read_to_string(board.root().join("tmp/evaluated-at"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(deploy(&[]), "unchanged");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(deploy(&[]), "unchanged");
    let times = evaluated_at();
    assert_eq!(times.len(), 2, "{times:?}");
    assert_eq!(times[0], times[1], "the second deployment used the cache");
    assert_eq!(deploy(&["--no-eval-cache"]), "unchanged");
    let times = evaluated_at();
    assert_eq!(times.len(), 3, "{times:?}");
    assert_ne!(times[2], times[0], "--no-eval-cache evaluates again");
    // --reactivate activates it anyway.
    assert_eq!(deploy(&["--reactivate"]), "deployed");
}

/// `xnix rebuild ARGS --target-host USER@board` with `input` on its stdin.
fn rebuild_as(lab: &Lab, root: &Path, args: &[&str], target: &str, input: &str) -> Output {
    let mut child = lab
        .xnix(XNIX)
        .arg("--store-root")
        .arg(root)
        .arg("rebuild")
        .args(args)
        .args(["--target-host", target])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn rebuild_as_a_user_who_becomes_root_through_sudo() {
    let mut lab = Lab::new();
    let board = lab.host("board", &[(Path::new(XNIX), "xnix")]);
    board.add_user(&lab, "deployer", 1, Some("open sesame"));
    board.add_user(&lab, "helper", 2, None);
    let root = lab.dir().join("deployer");
    let as_deployer = format!("deployer@{}", board.address);
    let switch = [
        "switch",
        "-f",
        "tests/deploy/board.nix",
        "--arg",
        "generation",
        "1",
    ];

    // Without the password, sudo refuses at once (no terminal to ask on).
    let mut args = switch.to_vec();
    args.push("--use-remote-sudo");
    let out = rebuild_as(&lab, &root, &args, &as_deployer, "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("password is required"), "{err}");
    assert!(!board.root().join("xnix/var/xnix/profiles/system").exists());

    // A wrong password: refused, nothing changes.
    let mut args = switch.to_vec();
    args.push("--ask-sudo-password");
    let out = rebuild_as(&lab, &root, &args, &as_deployer, "wrong\n");
    assert!(!out.status.success());
    assert!(!board.root().join("xnix/var/xnix/profiles/system").exists());

    // The password, read once from stdin (not a terminal here), serves the
    // copy and the activation.
    let out = rebuild_as(&lab, &root, &args, &as_deployer, "open sesame\n");
    ok(&out);
    assert_eq!(
        target_state(&lab, &board),
        (
            "system-1-link".into(),
            "1".into(),
            "board generation 1".into()
        )
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("open sesame"), "{err}");
    // The store's paths were added by root.
    let system =
        std::fs::read_link(board.root().join("xnix/var/xnix/profiles/system-1-link")).unwrap();
    let meta =
        std::fs::symlink_metadata(board.root().join(system.strip_prefix("/").unwrap())).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), 0);

    // A user whose sudo needs no password: --use-remote-sudo alone.
    let out = rebuild_as(
        &lab,
        &root,
        &["list-generations", "--json", "--use-remote-sudo"],
        &format!("helper@{}", board.address),
        "",
    );
    let gens: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(gens.as_array().unwrap().len(), 1, "{gens}");

    // On a terminal (util-linux's script makes one): asked once, not echoed.
    let mut cmd = lab.xnix(XNIX);
    cmd.arg("--store-root")
        .arg(&root)
        .args(["rebuild", "list-generations", "--ask-sudo-password"])
        .args(["--target-host", &as_deployer])
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = on_a_terminal(&mut cmd, "password on", "open sesame\n");
    assert!(out.contains("[sudo] password on"), "{out}");
    assert!(
        out.contains("system-1-link") || out.contains("   1   "),
        "{out}"
    );
    assert!(
        !out.contains("open sesame"),
        "the password was echoed: {out}"
    );
}

/// Run `cmd` (its program, arguments and environment) on a new terminal
/// through util-linux's `script`; once its output shows `prompt`, type
/// `input`. Returns everything the terminal showed.
fn on_a_terminal(cmd: &mut std::process::Command, prompt: &str, input: &str) -> String {
    use std::io::Read;
    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
    // env takes its -u NAME options before the NAME=VALUE settings.
    let mut line = String::from("exec env");
    for (k, v) in cmd.get_envs() {
        if v.is_none() {
            line.push_str(&format!(" -u {}", k.to_string_lossy()));
        }
    }
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            line.push_str(&format!(" {}={}", k.to_string_lossy(), quote(v)));
        }
    }
    line.push(' ');
    line.push_str(&quote(cmd.get_program()));
    for a in cmd.get_args() {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &line, "/dev/null"]);
    if let Some(dir) = cmd.get_current_dir() {
        script.current_dir(dir);
    }
    let mut child = script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("running script (util-linux)");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let t = std::time::Instant::now();
    while !String::from_utf8_lossy(&seen.lock().unwrap()).contains(prompt) {
        assert!(
            t.elapsed().as_secs() < 120,
            "no prompt: {}",
            String::from_utf8_lossy(&seen.lock().unwrap())
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(status.success(), "{text}");
    text
}

#[test]
fn rebuild_with_use_substitutes_fetches_from_the_targets_cache() {
    let mut lab = Lab::new();
    let board = lab.host("board", &[(Path::new(XNIX), "xnix")]);
    let root = lab.dir().join("deployer");
    let root_s = root.display().to_string();
    // The system, built here and pushed (signed) to a binary cache that the
    // board reaches over HTTP and lists as its substituter.
    let system = ok(&xnix(
        &lab,
        &root,
        &[
            "build",
            "--no-out-link",
            "tests/deploy/board.nix",
            "--arg",
            "generation",
            "7",
            "-A",
            "config.system.build.toplevel",
        ],
    ))
    .trim()
    .to_string();
    let keys = lab.dir().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (sk, pk) = (keys.join("secret"), keys.join("public"));
    ok(&lab
        .xnix(XNIX)
        .args(["store", "generate-key", "lab-cache-1"])
        .arg(&sk)
        .arg(&pk)
        .output()
        .unwrap());
    let cache = lab.dir().join("cache");
    ok(&lab
        .xnix(XNIX)
        .args(["--store-root", &root_s, "copy", "--to"])
        .arg(format!("file://{}", cache.display()))
        .arg("--sign-key")
        .arg(&sk)
        .arg(&system)
        .output()
        .unwrap());
    let url = lab.serve_http(&cache, 1);
    std::fs::create_dir_all(board.root().join("etc/xnix")).unwrap();
    std::fs::write(
        board.root().join("etc/xnix/xnix.conf"),
        format!(
            "substituters = {url}\ntrusted-public-keys = {}\n",
            std::fs::read_to_string(&pk).unwrap().trim()
        ),
    )
    .unwrap();

    let out = rebuild_as(
        &lab,
        &root,
        &[
            "switch",
            "-f",
            "tests/deploy/board.nix",
            "--arg",
            "generation",
            "7",
            "--use-substitutes",
        ],
        &board.destination(),
        "",
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    // Everything came from the cache: nothing travelled over SSH.
    assert!(err.contains("copied 0 paths ("), "{err}");
    assert!(!err.contains("(0 already there)"), "{err}");
    assert_eq!(target_state(&lab, &board).1, "7");
    let store = xnix_store::LocalStore::open(xnix_store::LocalStoreConfig::with_root(
        xnix_formats::StoreDir::new("/xnix/store").unwrap(),
        board.root(),
    ))
    .unwrap();
    assert!(store.verify().unwrap().is_clean());
}
