//! No way around the sandbox: `__impureHostDeps` is refused unless the
//! machine allows the path (`allowed-impure-host-deps`), sockets and
//! symbolic-link escapes are refused, and a host sub-mount carried into
//! the sandbox by a recursive bind is read-only too.

mod common;

use std::fs;
use std::path::PathBuf;

use common::TestStore;
use xnix_build::sandbox::{
    check_impure_host_deps, run_build, SandboxError, DEFAULT_ALLOWED_IMPURE_HOST_DEPS,
};

fn refused(store: &TestStore, wanted: &str, allowed: &[PathBuf]) -> String {
    let mut config = store.config.clone();
    config.impure_host_deps = vec![PathBuf::from(wanted)];
    config.allowed_impure_host_deps = allowed.to_vec();
    let job = store.shell_job("impure", "echo ran > $out");
    let log = store.log_path("impure");
    match run_build(&config, &job, &log, false, &mut |_| {}) {
        Err(e @ SandboxError::ImpureHostDepRefused { .. }) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("a build asking for {wanted} ran"),
    }
}

#[test]
fn host_paths_outside_the_allow_list_are_refused() {
    let store = TestStore::new();
    let defaults: Vec<PathBuf> = DEFAULT_ALLOWED_IMPURE_HOST_DEPS
        .iter()
        .map(PathBuf::from)
        .collect();
    let msg = refused(&store, "/root", &defaults);
    assert!(msg.contains("'/root'"), "{msg}");
    assert!(msg.contains("allowed-impure-host-deps"), "{msg}");
    assert!(msg.contains("/usr /bin /lib /lib64"), "{msg}");
    // Lexical tricks and links out of an allowed directory.
    let msg = refused(&store, "/usr/../root", &defaults);
    assert!(msg.contains("'..'"), "{msg}");
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let allowed = tmp.path().join("allowed");
    fs::create_dir(&allowed).unwrap();
    std::os::unix::fs::symlink("/root", allowed.join("link")).unwrap();
    let msg = refused(
        &store,
        allowed.join("link").to_str().unwrap(),
        std::slice::from_ref(&allowed),
    );
    assert!(msg.contains("resolving to '/root'"), "{msg}");
    let msg = refused(&store, "/etc/shadow", &[PathBuf::from("/")]);
    assert!(msg.contains("provides itself"), "{msg}");
    // Nothing allowed at all: even /usr is refused.
    let msg = refused(&store, "/usr", &[]);
    assert!(msg.contains("only: nothing"), "{msg}");
}

#[test]
fn a_host_socket_is_refused() {
    let store = TestStore::new();
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let sock = tmp.path().join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let msg = refused(&store, sock.to_str().unwrap(), &[tmp.path().to_path_buf()]);
    assert!(msg.contains("socket"), "{msg}");
}

#[test]
fn allowed_paths_pass_and_missing_ones_are_skipped() {
    let defaults: Vec<PathBuf> = DEFAULT_ALLOWED_IMPURE_HOST_DEPS
        .iter()
        .map(PathBuf::from)
        .collect();
    let wanted: Vec<PathBuf> = ["/usr", "/bin", "/lib", "/lib64", "/usr/no/such/dir"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let paths = check_impure_host_deps("t", &wanted, &defaults).unwrap();
    let inside: Vec<_> = paths.iter().map(|p| p.inside.clone()).collect();
    assert!(inside.contains(&PathBuf::from("/usr")));
    assert!(!inside.contains(&PathBuf::from("/usr/no/such/dir")));
}

/// A writable file system mounted below an allowed directory (here a tmpfs
/// in a private mount namespace of this test's thread, which the sandbox
/// is made from) is read-only inside the sandbox.
#[test]
fn a_writable_sub_mount_under_an_allowed_path_cannot_be_written() {
    // SAFETY: plain system calls; unshare(CLONE_NEWNS) affects this thread only.
    unsafe {
        assert_eq!(
            libc::unshare(libc::CLONE_NEWNS),
            0,
            "unshare(CLONE_NEWNS) needs root: {}",
            std::io::Error::last_os_error()
        );
        assert_eq!(
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null()
            ),
            0
        );
    }
    let store = TestStore::new();
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let allowed = tmp.path().join("allowed");
    let sub = allowed.join("sub");
    fs::create_dir_all(&sub).unwrap();
    let target = std::ffi::CString::new(sub.to_str().unwrap()).unwrap();
    // SAFETY: mounting a fresh tmpfs on a directory this test made.
    let rc = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            target.as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            c"mode=0777".as_ptr().cast(),
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    fs::write(sub.join("probe"), "host can write\n").unwrap();

    let mut config = store.config.clone();
    config.impure_host_deps = vec![allowed.clone()];
    config.allowed_impure_host_deps = vec![allowed.clone()];
    let script = format!(
        "cat {sub}/probe > $out; if echo x > {sub}/planted 2>/dev/null; then echo sub-writable >> $out; \
         else echo sub-read-only >> $out; fi; if echo x > {top}/planted 2>/dev/null; then echo top-writable >> $out; \
         else echo top-read-only >> $out; fi",
        sub = sub.display(),
        top = allowed.display()
    );
    let job = store.shell_job("submount", &script);
    let log = store.log_path("submount");
    let out = run_build(&config, &job, &log, false, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}\n{}", fs::read_to_string(&log).unwrap_or_default()));
    let text = fs::read_to_string(&out.outputs["out"]).unwrap();
    assert_eq!(text, "host can write\nsub-read-only\ntop-read-only\n");
    assert!(!sub.join("planted").exists());
    assert!(!allowed.join("planted").exists());
}
