//! The sandbox's isolation and builder environment, observed from inside
//! real builds (busybox shell scripts run in the namespace sandbox).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{fake_hash, nix_hash, TestStore, LOGICAL_STORE};
use xnix_build::sandbox::{run_build, BuilderStatus, SandboxError, SandboxOutput};

fn run_ok(store: &TestStore, job: &xnix_build::sandbox::BuildJob) -> SandboxOutput {
    let log = store.log_path(&job.env["name"]);
    match run_build(&store.config, job, &log, false, &mut |_| {}) {
        Ok(out) => out,
        Err(e) => panic!(
            "build failed: {e}\nlog:\n{}",
            fs::read_to_string(&log).unwrap_or_default()
        ),
    }
}

fn read_out(out: &SandboxOutput) -> String {
    fs::read_to_string(&out.outputs["out"]).unwrap()
}

#[test]
fn builder_environment_is_exactly_nixs() {
    let store = TestStore::new();
    let mut config = store.config.clone();
    config.build_cores = 3;
    // The builder is busybox's cp itself (no shell, which would add its own
    // variables), copying its own initial environment to $out.
    let mut job = store.shell_job("envdump", "");
    job.builder = "/bin/busybox".into();
    job.args = vec![
        "cp".into(),
        "/proc/self/environ".into(),
        job.env["out"].clone(),
    ];
    job.env
        .insert("custom".into(), "a value with spaces".into());
    job.env.insert("builder".into(), "/bin/busybox".into());
    let log = store.log_path("envdump");
    let out = run_build(&config, &job, &log, false, &mut |_| {}).expect("build");
    let raw = fs::read(&out.outputs["out"]).unwrap();
    let seen: BTreeMap<String, String> = raw
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let kv = String::from_utf8(kv.to_vec()).unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    let out_path = format!("{LOGICAL_STORE}/{}-envdump", fake_hash("envdump"));
    let expected: BTreeMap<String, String> = [
        ("PATH", "/path-not-set"),
        ("HOME", "/homeless-shelter"),
        ("NIX_STORE", LOGICAL_STORE),
        ("NIX_BUILD_CORES", "3"),
        ("NIX_BUILD_TOP", "/build"),
        ("TMPDIR", "/build"),
        ("TEMPDIR", "/build"),
        ("TMP", "/build"),
        ("TEMP", "/build"),
        ("PWD", "/build"),
        ("NIX_LOG_FD", "2"),
        ("TERM", "xterm-256color"),
        ("name", "envdump"),
        ("out", out_path.as_str()),
        ("custom", "a value with spaces"),
        ("builder", "/bin/busybox"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(seen, expected);
}

#[test]
fn fixed_output_builds_get_impure_env_vars_and_output_checked() {
    let store = TestStore::new();
    let mut job = store.shell_job("fodenv", "cat /proc/$$/environ > $out");
    job.fixed_output = true;
    job.env.insert(
        "impureEnvVars".into(),
        "XNIX_TEST_PROXY XNIX_TEST_UNSET_VAR".into(),
    );
    std::env::set_var("XNIX_TEST_PROXY", "http://proxy.invalid:3128");
    std::env::remove_var("XNIX_TEST_UNSET_VAR");
    let out = run_ok(&store, &job);
    let raw = String::from_utf8(fs::read(&out.outputs["out"]).unwrap()).unwrap();
    let vars: Vec<&str> = raw.split('\0').collect();
    assert!(
        vars.contains(&"XNIX_TEST_PROXY=http://proxy.invalid:3128"),
        "{vars:?}"
    );
    assert!(vars.contains(&"XNIX_TEST_UNSET_VAR="), "{vars:?}");
    assert!(vars.contains(&"NIX_OUTPUT_CHECKED=1"), "{vars:?}");

    // The same variables are not passed to an ordinary build.
    let mut job = store.shell_job("plainenv", "cat /proc/$$/environ > $out");
    job.env
        .insert("impureEnvVars".into(), "XNIX_TEST_PROXY".into());
    let out = run_ok(&store, &job);
    let raw = String::from_utf8(fs::read(&out.outputs["out"]).unwrap()).unwrap();
    assert!(!raw.contains("XNIX_TEST_PROXY=http"), "{raw:?}");
    assert!(!raw.contains("NIX_OUTPUT_CHECKED"), "{raw:?}");
}

#[test]
fn pass_as_file_writes_attr_file_named_like_nix() {
    let store = TestStore::new();
    let mut job = store.shell_job(
        "passasfile",
        "{ echo \"$bigPath\"; cat \"$bigPath\"; echo; echo \"big=${big-unset}\"; } > $out",
    );
    let contents = "line one\nline two with $dollar and \"quotes\"";
    job.env.insert("passAsFile".into(), "big".into());
    job.env.insert("big".into(), contents.into());
    let out = run_ok(&store, &job);
    let text = read_out(&out);

    // Nix names the file after the nix-base32 SHA-256 of the attribute name.
    let name_file = store.dir.path().join("attr-name");
    fs::write(&name_file, "big").unwrap();
    let hash = nix_hash(&[
        "--type",
        "sha256",
        "--flat",
        "--base32",
        name_file.to_str().unwrap(),
    ]);
    let expected = format!("/build/.attr-{hash}\n{contents}\nbig=unset\n");
    assert_eq!(text, expected);
}

/// Accepts one connection and answers it with a tiny HTTP response; returns
/// whether a connection arrived within `wait`.
fn serve_once(listener: TcpListener, wait: Duration) -> std::thread::JoinHandle<bool> {
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((mut conn, _)) => {
                    conn.set_nonblocking(false).unwrap();
                    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let mut buf = [0u8; 1024];
                    let _ = conn.read(&mut buf);
                    let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n");
                    return true;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        false
    })
}

/// A builder script that sends an HTTP request to the host's listener with
/// busybox's nc (its wget crashes when statically linked).
fn http_get_script(port: u16, target: &str) -> String {
    format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc 127.0.0.1 {port} > {target}")
}

#[test]
fn network_is_refused_for_ordinary_builds() {
    let store = TestStore::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = serve_once(listener, Duration::from_secs(6));
    let script = format!(
        "if {}; then echo connected > $out; else echo refused > $out; fi",
        http_get_script(port, "/build/got")
    );
    let job = store.shell_job("nonet", &script);
    let out = run_ok(&store, &job);
    assert_eq!(read_out(&out), "refused\n");
    let log = fs::read_to_string(store.log_path("nonet")).unwrap();
    assert!(log.contains("Connection refused"), "log: {log}");
    assert!(
        !server.join().unwrap(),
        "the host listener received a connection from the sandbox"
    );
}

#[test]
fn network_is_available_to_fixed_output_builds() {
    let store = TestStore::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = serve_once(listener, Duration::from_secs(20));
    let mut job = store.shell_job("withnet", &http_get_script(port, "$out"));
    job.fixed_output = true;
    let out = run_ok(&store, &job);
    assert!(
        read_out(&out).ends_with("\r\n\r\nhello\n"),
        "{:?}",
        read_out(&out)
    );
    assert!(server.join().unwrap());
}

#[test]
fn only_declared_store_paths_are_visible() {
    let store = TestStore::new();
    let input_base = format!("{}-input", fake_hash("input"));
    let secret_base = format!("{}-secret", fake_hash("secret"));
    let input = store.add_dir_path(&input_base, "data", "input data\n");
    let secret = store.add_dir_path(&secret_base, "data", "secret data\n");
    let script = format!(
        "mkdir $out; ls {LOGICAL_STORE} > $out/listing; cat {}/data > $out/input; \
         if cat {}/data > $out/secret 2>/dev/null; then echo visible; else echo invisible; fi > $out/verdict",
        input.display(),
        secret.display()
    );
    let mut job = store.shell_job("visibility", &script);
    job.input_paths.insert(input);
    let out = run_ok(&store, &job);
    let dir = &out.outputs["out"];
    let listing = fs::read_to_string(dir.join("listing")).unwrap();
    let mut names: Vec<&str> = listing.lines().collect();
    names.sort();
    let out_base = format!("{}-visibility", fake_hash("visibility"));
    let mut expected = vec![input_base.as_str(), out_base.as_str()];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(
        fs::read_to_string(dir.join("input")).unwrap(),
        "input data\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("verdict")).unwrap(),
        "invisible\n"
    );
    assert!(store.real(&secret_base).exists());
}

#[test]
fn nothing_is_written_outside_outputs_and_build_dir() {
    let store = TestStore::new();
    let input_base = format!("{}-dep", fake_hash("dep"));
    let input = store.add_dir_path(&input_base, "data", "original\n");
    let before = store.snapshot();
    let probe = format!("xnix-sandbox-probe-{}", std::process::id());
    let script = format!(
        "mkdir $out; \
         try() {{ if sh -c \"$2\" 2>/dev/null; then echo \"$1 written\"; else echo \"$1 refused\"; fi; }}; \
         {{ try root 'echo x > /{probe}'; \
            try input 'echo x > {input}/data'; \
            try input-new 'echo x > {input}/new'; \
            try etc 'echo x >> /etc/passwd'; \
            try usr 'mkdir -p /usr/{probe}'; \
            try build 'echo x > /build/ok'; \
            try tmp 'echo x > /tmp/ok2'; \
            try other-store 'mkdir {LOGICAL_STORE}/{h}-undeclared'; \
         }} > $out/results",
        input = input.display(),
        h = fake_hash("undeclared"),
    );
    let mut job = store.shell_job("writes", &script);
    job.input_paths.insert(input);
    let out = run_ok(&store, &job);
    let results = fs::read_to_string(out.outputs["out"].join("results")).unwrap();
    assert_eq!(
        results,
        "root refused\ninput refused\ninput-new refused\netc refused\nusr refused\n\
         build written\ntmp written\nother-store written\n"
    );
    // The undeclared path was created only in the build's private view of
    // the store: the physical store is exactly as before.
    assert_eq!(store.snapshot(), before);
    assert!(!Path::new("/").join(&probe).exists());
    assert!(!Path::new("/usr").join(&probe).exists());
    // The build directory held what the builder wrote there.
    assert_eq!(
        fs::read_to_string(out.scratch.build_dir().join("ok")).unwrap(),
        "x\n"
    );
}

#[test]
fn identity_host_name_and_devices() {
    let store = TestStore::new();
    let script = "{ id -u; id -g; hostname; ls /dev | sort | tr '\\n' ' '; echo; \
                   cat /etc/passwd | grep nixbld; test -d /proc/self && echo proc; \
                   readlink /tmp; echo $$; echo $0; ls / | sort | tr '\\n' ' '; echo; \
                   if touch /dev/shm/x; then echo shm-writable; fi; \
                   if test -t 2; then echo stderr-tty; fi; if test -t 0; then echo stdin-tty; fi; } > $out";
    let job = store.shell_job("identity", script);
    let out = run_ok(&store, &job);
    let text = read_out(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "1000");
    assert_eq!(lines[1], "100");
    assert_eq!(lines[2], "localhost");
    for dev in ["full", "null", "random", "shm", "tty", "urandom", "zero"] {
        assert!(
            lines[3].split(' ').any(|d| d == dev),
            "/dev lacks {dev}: {}",
            lines[3]
        );
    }
    assert!(lines[4].starts_with("nixbld:x:1000:100:"), "{}", lines[4]);
    assert_eq!(lines[5], "proc");
    assert_eq!(lines[6], "/build");
    // Own PID namespace: the builder is PID 1, as under Nix.
    assert_eq!(lines[7], "1");
    // argv[0] is the builder's base name, as under Nix.
    assert_eq!(lines[8], "sh");
    // A fresh root holding only what the sandbox provides.
    assert_eq!(lines[9], "bin build dev etc proc tmp xnix ");
    assert_eq!(lines[10], "shm-writable");
    // Standard error is a terminal and standard input is not, as under Nix.
    assert_eq!(lines[11..], ["stderr-tty"]);
}

#[test]
fn failure_reports_status_tail_and_log() {
    let store = TestStore::new();
    let mut config = store.config.clone();
    config.log_tail_lines = 3;
    let job = store.shell_job(
        "fails",
        "for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exit 3",
    );
    let log = store.log_path("fails");
    let mut seen = Vec::new();
    let err = run_build(&config, &job, &log, false, &mut |l| {
        seen.push(l.to_string())
    })
    .unwrap_err();
    match &err {
        SandboxError::BuilderFailed {
            status,
            tail,
            log_path,
            kept_build_dir,
            ..
        } => {
            assert_eq!(*status, BuilderStatus::Exited(3));
            assert_eq!(tail, &["line 4", "line 5", "oops"]);
            assert_eq!(log_path, &log);
            assert!(kept_build_dir.is_none());
        }
        other => panic!("unexpected error {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("exit code 3")
            && msg.contains("> oops")
            && msg.contains(log.to_str().unwrap()),
        "{msg}"
    );
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        "line 1\nline 2\nline 3\nline 4\nline 5\noops\n"
    );
    assert_eq!(
        seen,
        ["line 1", "line 2", "line 3", "line 4", "line 5", "oops"]
    );
    // Nothing is left behind in the scratch area.
    assert_eq!(fs::read_dir(&config.scratch_parent).unwrap().count(), 0);
}

#[test]
fn writing_to_root_fails_the_build_with_a_clear_error() {
    let store = TestStore::new();
    let job = store.shell_job("writeroot", "echo x > /forbidden && touch $out");
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("writeroot"),
        false,
        &mut |_| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("Read-only file system"), "{msg}");
    assert!(!Path::new("/forbidden").exists());
}

#[test]
fn keep_failed_keeps_the_build_directory() {
    let store = TestStore::new();
    let job = store.shell_job("keep", "echo partial > /build/partial.txt; exit 1");
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("keep"),
        true,
        &mut |_| {},
    )
    .unwrap_err();
    let SandboxError::BuilderFailed {
        kept_build_dir: Some(dir),
        ..
    } = err
    else {
        panic!("expected a kept build directory, got {err:?}");
    };
    assert_eq!(
        fs::read_to_string(dir.join("build/partial.txt")).unwrap(),
        "partial\n"
    );
}

#[test]
fn missing_output_is_an_error() {
    let store = TestStore::new();
    let job = store.shell_job("noout", "echo nothing");
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("noout"),
        false,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, SandboxError::MissingOutput { ref output, .. } if output == "out"),
        "{err:?}"
    );
}

#[test]
fn timeout_kills_the_builder() {
    let store = TestStore::new();
    let mut config = store.config.clone();
    config.timeout = Some(Duration::from_secs(3));
    let job = store.shell_job("slow", "echo started; sleep 60; touch $out");
    let start = Instant::now();
    let err = run_build(&config, &job, &store.log_path("slow"), false, &mut |_| {}).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    match err {
        SandboxError::TimedOut { tail, .. } => assert_eq!(tail, ["started"]),
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn a_missing_builder_is_an_exec_error() {
    let store = TestStore::new();
    let mut job = store.shell_job("nobuilder", "");
    job.builder = "/no/such/builder".into();
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("nobuilder"),
        false,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, SandboxError::ExecFailed { .. }), "{err:?}");
    assert!(err.to_string().contains("/no/such/builder"), "{err}");
}

#[test]
fn missing_input_and_relative_builder_are_rejected_before_running() {
    let store = TestStore::new();
    let mut job = store.shell_job("badinput", "touch $out");
    job.input_paths
        .insert(store.logical("00000000000000000000000000000000-absent"));
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("badinput"),
        false,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("not present"), "{err}");

    for bad in ["/xnix", "/xnix/store/x", "/etc/passwd", "/tmp/x"] {
        let mut config = store.config.clone();
        config
            .sandbox_paths
            .push(xnix_build::sandbox::SandboxPath::same(bad));
        let job = store.shell_job("badpath", "touch $out");
        let err = run_build(
            &config,
            &job,
            &store.log_path("badpath"),
            false,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(err, SandboxError::InvalidJob { .. }),
            "{bad}: {err}"
        );
    }

    let mut job = store.shell_job("relbuilder", "touch $out");
    job.builder = "sh".into();
    let err = run_build(
        &store.config,
        &job,
        &store.log_path("relbuilder"),
        false,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an absolute path"), "{err}");
}

#[test]
fn stale_scratch_dirs_of_dead_processes_are_removed() {
    let parent = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let me = std::process::id();
    let stale = parent.path().join(format!("xnix-build-x.drv-{dead}-0"));
    let kept = parent.path().join(format!("xnix-build-y.drv-{dead}-1"));
    let live = parent.path().join(format!("xnix-build-z.drv-{me}-2"));
    let other = parent.path().join("unrelated");
    for d in [&stale, &kept, &live, &other] {
        fs::create_dir_all(d.join("build/sub")).unwrap();
    }
    fs::write(kept.join(".xnix-keep"), "").unwrap();
    assert_eq!(
        xnix_build::sandbox::remove_stale_scratch_dirs(parent.path()),
        1
    );
    assert!(!stale.exists());
    assert!(kept.exists() && live.exists() && other.exists());
}

#[test]
fn no_inherited_descriptors_umask_or_core_dumps_reach_the_builder() {
    let store = TestStore::new();
    // An inheritable descriptor in the parent (no close-on-exec).
    let leak = fs::File::open("/proc/self/status").unwrap();
    use std::os::fd::AsRawFd;
    let fd = leak.as_raw_fd();
    // SAFETY: clearing FD_CLOEXEC on a descriptor we own.
    unsafe { libc_fcntl_clear_cloexec(fd) };
    let job = store.shell_job(
        "fds",
        "{ ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; umask; ulimit -c; } > $out",
    );
    let out = run_ok(&store, &job);
    let text = read_out(&out);
    let lines: Vec<&str> = text.lines().collect();
    // 0, 1, 2 and the descriptor ls itself opens to read the directory.
    let fds: Vec<u32> = lines[0]
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    assert!(
        fds.iter().all(|&f| f <= 3),
        "descriptors leaked into the sandbox: {fds:?} (parent had {fd})"
    );
    assert_eq!(lines[1], "0022");
    assert_eq!(lines[2], "0");
    drop(leak);
}

/// Clears FD_CLOEXEC with fcntl(2), declared here to keep libc out of the
/// test dependencies.
unsafe fn libc_fcntl_clear_cloexec(fd: i32) {
    extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    const F_SETFD: i32 = 2;
    fcntl(fd, F_SETFD, 0);
}

#[test]
fn silent_builders_are_killed_but_chatty_ones_may_run_long() {
    let store = TestStore::new();
    let mut config = store.config.clone();
    config.max_silent_time = Some(Duration::from_millis(1500));
    let job = store.shell_job("silent", "echo starting; sleep 60; touch $out");
    let start = Instant::now();
    let err = run_build(&config, &job, &store.log_path("silent"), false, &mut |_| {}).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    match &err {
        SandboxError::Silent { tail, .. } => assert_eq!(tail, &["starting"]),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("max-silent-time"), "{err}");

    // Printing every 0.2 s for 5 s is never silent for 4 s, but runs longer
    // than that: it passes only if output restarts the silence clock. (The
    // margin is wide so a loaded machine cannot stall the loop long enough.)
    config.max_silent_time = Some(Duration::from_secs(4));
    let job = store.shell_job(
        "chatty",
        "i=0; while [ $i -lt 25 ]; do echo $i; sleep 0.2; i=$((i+1)); done; touch $out",
    );
    run_build(&config, &job, &store.log_path("chatty"), false, &mut |_| {})
        .expect("a chatty build is not silent");
}
