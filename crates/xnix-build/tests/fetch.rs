//! Fetching: mirror resolution from generated APT sources, downloads from a
//! local HTTP server on 127.0.0.1 and from file:// URLs, hash verification
//! against hashes computed by Nix's own `nix-hash`.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::nix_hash;
use xnix_build::fetch::{fetch_to_store, fetch_url, FetchError, FetchOptions, MirrorTable};
use xnix_debian::apt::debian_mirror_from_apt;
use xnix_formats::{ContentAddressMethod, FixedOutputHash, Hash, HashAlgo, StoreDir};
use xnix_store::{LocalStore, LocalStoreConfig};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn debian_mirror_from_one_line_sources_list() {
    let root = tempfile::tempdir().unwrap();
    write(
        &root.path().join("etc/apt/sources.list"),
        "# generated for the test\n\
         deb http://mirror.example/debian-security bookworm-security main\n\
         deb-src http://source-only.example/debian bookworm main\n\
         deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian/ bookworm main contrib\n\
         deb http://other.example/debian bookworm-updates main\n",
    );
    assert_eq!(
        debian_mirror_from_apt(root.path()).unwrap().as_deref(),
        Some("http://mirror.example/debian")
    );
    let table = MirrorTable::from_parts(root.path(), &|_| None, &[]).unwrap();
    assert_eq!(
        table
            .resolve("mirror://debian/pool/main/h/hello/hello_2.10.orig.tar.gz")
            .unwrap(),
        ["http://mirror.example/debian/pool/main/h/hello/hello_2.10.orig.tar.gz"]
    );
}

#[test]
fn debian_mirror_from_deb822_sources() {
    let root = tempfile::tempdir().unwrap();
    write(
        &root.path().join("etc/apt/sources.list.d/debian.sources"),
        "Types: deb\n\
         # a comment line\n\
         URIs: http://mirror.example/debian-security\n\
         Suites: bookworm-security\n\
         Components: main\n\
         \n\
         Types: deb\n\
         URIs: http://disabled.example/debian\n\
         Suites: bookworm\n\
         Components: main\n\
         Enabled: no\n\
         \n\
         Types: deb deb-src\n\
         URIs: https://mirror.example/debian/\n\
         Suites: bookworm bookworm-updates\n\
         Components: main\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
    );
    // A file with another extension is ignored.
    write(
        &root.path().join("etc/apt/sources.list.d/old.list.disabled"),
        "deb http://ignored.example/debian bookworm main\n",
    );
    assert_eq!(
        debian_mirror_from_apt(root.path()).unwrap().as_deref(),
        Some("https://mirror.example/debian")
    );
}

#[test]
fn non_debian_sources_give_no_debian_mirror_and_a_helpful_error() {
    let root = tempfile::tempdir().unwrap();
    write(
        &root.path().join("etc/apt/sources.list"),
        "deb http://archive.example/ubuntu jammy main\ndeb http://security.example/debian bookworm-security main\n",
    );
    assert_eq!(debian_mirror_from_apt(root.path()).unwrap(), None);
    let table = MirrorTable::from_parts(root.path(), &|_| None, &[]).unwrap();
    let err = table.resolve("mirror://debian/pool/x").unwrap_err();
    assert!(matches!(err, FetchError::UnknownMirror { .. }));
    assert!(err.to_string().contains("XNIX_MIRROR_DEBIAN"), "{err}");
}

#[test]
fn environment_overrides_apt_and_adds_mirrors() {
    let root = tempfile::tempdir().unwrap();
    write(
        &root.path().join("etc/apt/sources.list"),
        "deb http://mirror.example/debian bookworm main\n",
    );
    let env = |k: &str| match k {
        "XNIX_MIRROR_DEBIAN" => {
            Some("http://override.example/debian http://second.example/debian/".to_string())
        }
        "XNIX_MIRROR_GNU" => Some("http://gnu.example/gnu/".to_string()),
        _ => None,
    };
    let table = MirrorTable::from_parts(root.path(), &env, &["gnu".to_string()]).unwrap();
    assert_eq!(
        table.resolve("mirror://debian/pool/a").unwrap(),
        [
            "http://override.example/debian/pool/a",
            "http://second.example/debian/pool/a"
        ]
    );
    assert_eq!(
        table
            .resolve("mirror://gnu/hello/hello-2.12.tar.gz")
            .unwrap(),
        ["http://gnu.example/gnu/hello/hello-2.12.tar.gz"]
    );
    assert_eq!(
        table.resolve("https://example.invalid/x").unwrap(),
        ["https://example.invalid/x"]
    );
}

/// A small HTTP/1.0 server on 127.0.0.1: paths starting with `/missing`
/// get 404, everything else `body`. It stops after `lifetime` or when the
/// returned flag is set.
fn start_server(body: Vec<u8>, lifetime: Duration) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    std::thread::spawn(move || {
        let deadline = Instant::now() + lifetime;
        while Instant::now() < deadline && !stop2.load(Ordering::SeqCst) {
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            conn.set_nonblocking(false).unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request);
            let path = text.split_whitespace().nth(1).unwrap_or("/");
            if path.starts_with("/missing") {
                let _ = conn.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            } else {
                let _ = write!(
                    conn,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(&body);
            }
        }
    });
    (port, stop)
}

/// A server on 127.0.0.1 whose n-th request gets the n-th status of
/// `statuses` (the last one from then on); 200 carries `body`. Returns the
/// port and the number of requests served so far.
fn start_scripted_server(statuses: Vec<u16>, body: Vec<u8>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let served2 = Arc::clone(&served);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let n = served2.fetch_add(1, Ordering::SeqCst);
            let status = statuses[n.min(statuses.len() - 1)];
            let payload: &[u8] = if status == 200 { &body } else { b"" };
            let _ = write!(
                conn,
                "HTTP/1.0 {status} Scripted\r\nContent-Length: {}\r\n\r\n",
                payload.len()
            );
            let _ = conn.write_all(payload);
        }
    });
    (port, served)
}

/// Retries that wait only a moment, so the tests stay quick.
fn quick_retries() -> FetchOptions {
    FetchOptions {
        retry_delay: Duration::from_millis(20),
        ..FetchOptions::default()
    }
}

#[test]
fn passing_server_errors_are_retried_but_a_404_is_not() {
    let body = b"worth the wait\n".to_vec();
    let dir = tempfile::tempdir().unwrap();
    let expected = flat(nix_flat_sha256(&body));
    // Serves `statuses` in turn and fetches from it into `name`; returns the
    // result and how many requests the server saw.
    let fetch_from = |statuses: Vec<u16>, name: &str| {
        let (port, served) = start_scripted_server(statuses, body.clone());
        let result = fetch_url(
            &format!("http://127.0.0.1:{port}/f"),
            &MirrorTable::new(),
            &expected,
            false,
            &dir.path().join(name),
            &quick_retries(),
            &mut |_, _| {},
        );
        (result, served.load(Ordering::SeqCst))
    };

    // Two 503s, then the file: the default two retries reach it.
    let (result, served) = fetch_from(vec![503, 503, 200], "a");
    result.unwrap();
    assert_eq!(fs::read(dir.path().join("a")).unwrap(), body);
    assert_eq!(served, 3);

    // Always 503: three tries, and the error says so.
    let (result, served) = fetch_from(vec![503], "b");
    let err = result.unwrap_err().to_string();
    assert!(err.contains("HTTP 503 Scripted (after 3 tries)"), "{err}");
    assert_eq!(served, 3);
    assert!(!dir.path().join("b").exists());

    // A 404 will not change: one try only.
    let (result, served) = fetch_from(vec![404, 200], "c");
    let err = result.unwrap_err().to_string();
    assert!(err.contains("HTTP 404") && !err.contains("tries"), "{err}");
    assert_eq!(served, 1);
}

fn test_body() -> Vec<u8> {
    (0..200_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect()
}

/// The flat SHA-256 of `data` as Nix's `nix-hash` computes it.
fn nix_flat_sha256(data: &[u8]) -> Hash {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data");
    fs::write(&f, data).unwrap();
    let text = nix_hash(&[
        "--type",
        "sha256",
        "--flat",
        "--base32",
        f.to_str().unwrap(),
    ]);
    Hash::parse_bare(&text, HashAlgo::Sha256).unwrap()
}

fn flat(hash: Hash) -> FixedOutputHash {
    FixedOutputHash {
        method: ContentAddressMethod::Flat,
        hash,
    }
}

#[test]
fn http_download_with_the_right_hash() {
    let body = test_body();
    let (port, stop) = start_server(body.clone(), Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out").join("source.bin");
    let expected = flat(nix_flat_sha256(&body));
    let mut last = (0, None);
    let url = format!("http://127.0.0.1:{port}/source.bin");
    let fetched = fetch_url(
        &url,
        &MirrorTable::new(),
        &expected,
        false,
        &dest,
        &FetchOptions::default(),
        &mut |n, t| last = (n, t),
    )
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    assert_eq!(fs::read(&dest).unwrap(), body);
    assert_eq!(fetched.hash, expected.hash);
    assert_eq!(fetched.size, body.len() as u64);
    assert_eq!(fetched.url, url);
    assert_eq!(last, (body.len() as u64, Some(body.len() as u64)));
    // Only the destination is left in its directory.
    assert_eq!(fs::read_dir(dest.parent().unwrap()).unwrap().count(), 1);
}

#[test]
fn http_download_with_a_wrong_hash_reports_both_in_sri_and_leaves_nothing() {
    let body = test_body();
    let (port, stop) = start_server(body.clone(), Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("source.bin");
    let actual = nix_flat_sha256(&body);
    let wrong = nix_flat_sha256(b"something else");
    let url = format!("http://127.0.0.1:{port}/source.bin");
    let err = fetch_url(
        &url,
        &MirrorTable::new(),
        &flat(wrong.clone()),
        false,
        &dest,
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    stop.store(true, Ordering::SeqCst);
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("specified: {}", wrong.to_sri())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("got:       {}", actual.to_sri())),
        "{msg}"
    );
    assert!(wrong.to_sri().starts_with("sha256-"));
    match err {
        FetchError::HashMismatch {
            expected,
            actual: got,
            ..
        } => {
            assert_eq!(expected, wrong);
            assert_eq!(got, actual);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "something was left behind"
    );
}

#[test]
fn mirror_candidates_are_tried_in_order() {
    let body = b"mirrored contents\n".to_vec();
    let (port, stop) = start_server(body.clone(), Duration::from_secs(30));
    let mut table = MirrorTable::new();
    table.insert(
        "debian",
        vec![
            format!("http://127.0.0.1:{port}/missing/debian"),
            format!("http://127.0.0.1:{port}/debian/"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let fetched = fetch_url(
        "mirror://debian/pool/main/f/f.txt",
        &table,
        &flat(nix_flat_sha256(&body)),
        false,
        &dest,
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        fetched.url,
        format!("http://127.0.0.1:{port}/debian/pool/main/f/f.txt")
    );
    assert_eq!(fs::read(&dest).unwrap(), body);

    // When every candidate fails, each attempt is reported.
    table.insert("debian", vec![format!("http://127.0.0.1:{port}/missing/a")]);
    let err = fetch_url(
        "mirror://debian/x",
        &table,
        &flat(nix_flat_sha256(&body)),
        false,
        &dir.path().join("g"),
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    stop.store(true, Ordering::SeqCst);
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 404") && msg.contains("/missing/a/x"),
        "{msg}"
    );
    assert!(!dir.path().join("g").exists());
}

#[test]
fn file_url_recursive_executable_matches_nix_hash() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tool.sh");
    fs::write(&src, "#!/bin/sh\necho hi\n").unwrap();
    // Nix hashes a recursive fixed output as the NAR of the final file;
    // make a reference copy executable and ask nix-hash.
    let reference = dir.path().join("reference");
    fs::copy(&src, &reference).unwrap();
    fs::set_permissions(&reference, fs::Permissions::from_mode(0o755)).unwrap();
    let nar = nix_hash(&["--type", "sha256", "--base32", reference.to_str().unwrap()]);
    let expected = FixedOutputHash {
        method: ContentAddressMethod::Recursive,
        hash: Hash::parse_bare(&nar, HashAlgo::Sha256).unwrap(),
    };
    let dest = dir.path().join("fetched");
    let url = format!("file://{}", src.display());
    fetch_url(
        &url,
        &MirrorTable::new(),
        &expected,
        true,
        &dest,
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(fs::read(&dest).unwrap(), fs::read(&src).unwrap());
    assert!(fs::metadata(&dest).unwrap().permissions().mode() & 0o111 != 0);

    // The same file, not executable, has another NAR hash: rejected.
    let dest2 = dir.path().join("fetched2");
    let err = fetch_url(
        &url,
        &MirrorTable::new(),
        &expected,
        false,
        &dest2,
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::HashMismatch { .. }), "{err}");
    assert!(!dest2.exists());
}

#[test]
fn unsupported_and_missing_urls_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let h = flat(Hash::digest(HashAlgo::Sha256, b""));
    let err = fetch_url(
        "ftp://host.invalid/x",
        &MirrorTable::new(),
        &h,
        false,
        &dir.path().join("x"),
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::UnsupportedUrl { .. }), "{err}");
    let err = fetch_url(
        "file:///nonexistent/xnix-test",
        &MirrorTable::new(),
        &h,
        false,
        &dir.path().join("x"),
        &FetchOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/xnix-test"), "{err}");
}

#[test]
fn fetch_to_store_gives_nixs_fixed_path_and_refuses_a_wrong_hash() {
    let body = test_body();
    let (port, stop) = start_server(body.clone(), Duration::from_secs(30));
    let root = tempfile::tempdir().unwrap();
    let store =
        LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), root.path())).unwrap();
    let url = format!("http://127.0.0.1:{port}/pkg.tar");
    let (path, hash) = fetch_to_store(
        &store,
        "pkg.tar",
        &url,
        ContentAddressMethod::Flat,
        None,
        false,
        &MirrorTable::new(),
        &FetchOptions::default(),
    )
    .unwrap();
    assert_eq!(hash, nix_flat_sha256(&body));
    let expected_path = Command::new("nix-store")
        .args(["--print-fixed-path", "sha256", &hash.to_base32(), "pkg.tar"])
        .output()
        .expect("nix-store (Nix 2.8) is required: run scripts/install-deps test");
    assert!(expected_path.status.success());
    assert_eq!(
        store.print_path(&path),
        String::from_utf8(expected_path.stdout).unwrap().trim()
    );
    assert_eq!(fs::read(store.real_path(&path)).unwrap(), body);
    assert!(store.is_valid_path(&path).unwrap());

    // With a wrong expected hash nothing is added.
    let before = store.query_all_valid_paths().unwrap();
    let wrong = Hash::digest(HashAlgo::Sha256, b"nope");
    let err = fetch_to_store(
        &store,
        "other.tar",
        &url,
        ContentAddressMethod::Flat,
        Some(&wrong),
        false,
        &MirrorTable::new(),
        &FetchOptions::default(),
    )
    .unwrap_err();
    stop.store(true, Ordering::SeqCst);
    assert!(err.to_string().contains(&wrong.to_sri()), "{err}");
    assert_eq!(store.query_all_valid_paths().unwrap(), before);
    let names: Vec<String> = fs::read_dir(store.real_store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("other.tar"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
