//! Binary caches against Nix 2.8: a cache written by xnix is read by
//! `nix copy --from` (which checks xnix's signatures), a cache written by
//! `nix copy --to` is read by xnix (which checks Nix's signatures), with xz
//! and without compression; tampered, unsigned, untrusted and incomplete
//! caches are refused with nothing registered; an interrupted push leaves a
//! cache that is still consistent. Nix missing is a failure, not a skip.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use xnix_formats::hash::{compress_hash, Hash, HashAlgo};
use xnix_formats::narinfo::NarInfo;
use xnix_formats::signing::{PublicKey, SecretKey};
use xnix_formats::{StoreDir, StorePath};
use xnix_store::binary_cache::{
    BinaryCache, BinaryCacheError, CacheBackend, Compression, FileBackend, PullOptions, PushOptions,
};
use xnix_store::local::{LocalStore, LocalStoreConfig, LocalStoreError};
use xnix_test_support::{nix_dump, nix_linked_texts, nix_output, scratch_store};

/// Run a Nix tool with extra configuration lines; returns (success, stdout, stderr).
fn nix_try(tool: &str, args: &[&str], extra_conf: &str) -> (bool, String, String) {
    let out = nix_output(tool, args, extra_conf);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn nix_ok(tool: &str, args: &[&str], extra_conf: &str) -> String {
    let (ok, out, err) = nix_try(tool, args, extra_conf);
    assert!(ok, "{tool} {args:?} failed:\n{err}");
    out
}

/// A fresh xnix store with Nix's store directory under `root`.
fn xnix_store(root: &Path) -> LocalStore {
    LocalStore::open(LocalStoreConfig::with_root(StoreDir::nix(), root)).unwrap()
}

/// A Nix-generated key pair (so xnix must read Nix's key files).
fn nix_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let sk = dir.join(format!("{name}.sec"));
    let pk = dir.join(format!("{name}.pub"));
    nix_ok(
        "nix-store",
        &[
            "--generate-binary-cache-key",
            name,
            sk.to_str().unwrap(),
            pk.to_str().unwrap(),
        ],
        "",
    );
    (sk, pk)
}

/// Register an input-addressed path (as a build output would be, no CA), so
/// that Nix trusts it only through a signature. Its files mention `refs`.
fn fake_output(store: &LocalStore, salt: &str, name: &str, refs: &[&StorePath]) -> StorePath {
    let digest = Hash::digest(HashAlgo::Sha256, format!("{salt}/{name}"));
    let path = StorePath::from_hash_and_name(&compress_hash(digest.as_bytes(), 20), name).unwrap();
    let real = store.real_path(&path);
    fs::create_dir_all(real.join("bin")).unwrap();
    let mut text = format!("#!/bin/sh\n# {salt}\n");
    for r in refs {
        text.push_str(&format!("{}/bin/x\n", store.print_path(r)));
    }
    fs::write(real.join("bin/x"), text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(real.join("bin/x"), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("bin/x", real.join("link")).unwrap();
    let candidates: BTreeSet<StorePath> = refs
        .iter()
        .map(|r| (*r).clone())
        .chain([path.clone()])
        .collect();
    let info = store.make_path_info(&path, &candidates, None).unwrap();
    assert_eq!(info.references.len(), refs.len());
    store.register_valid_paths(&[info]).unwrap();
    path
}

/// A small closure in an xnix store: top -> mid -> (text, source tree).
struct Sample {
    top: StorePath,
    all: Vec<StorePath>,
}

fn sample_closure(store: &LocalStore, salt: &str, work: &Path) -> Sample {
    let text = store
        .add_text_to_store("text", format!("text {salt}").as_bytes(), &BTreeSet::new())
        .unwrap();
    let tree = work.join("tree");
    fs::create_dir_all(tree.join("d")).unwrap();
    fs::write(tree.join("d/f"), format!("file {salt}\n").repeat(100)).unwrap();
    let src = store.add_to_store("src", &tree).unwrap();
    let mid = fake_output(store, salt, "mid", &[&text, &src]);
    let top = fake_output(store, salt, "top", &[&mid]);
    Sample {
        top: top.clone(),
        all: vec![text, src, mid, top],
    }
}

fn nar_of(store: &LocalStore, p: &StorePath) -> Vec<u8> {
    let mut v = Vec::new();
    store.export_nar(p, &mut v).unwrap();
    v
}

fn push(cache_dir: &Path, store: &LocalStore, top: &StorePath, opts: &PushOptions) {
    let cache = BinaryCache::open_url(
        &format!("file://{}", cache_dir.display()),
        store.store_dir(),
        true,
    )
    .unwrap();
    cache
        .push(store, &BTreeSet::from([top.clone()]), opts, &mut |_| {})
        .unwrap();
}

fn pull(
    cache_dir: &Path,
    store: &LocalStore,
    top: &StorePath,
    opts: &PullOptions,
) -> Result<xnix_store::binary_cache::CopyReport, BinaryCacheError> {
    let cache = BinaryCache::open(Box::new(FileBackend::new(cache_dir)), store.store_dir())?;
    cache.pull(store, &BTreeSet::from([top.clone()]), opts, &mut |_| {})
}

#[test]
fn xnix_pushes_nix_pulls_and_checks_the_signature() {
    for compression in [Compression::Xz, Compression::None] {
        let work = tempfile::tempdir().unwrap();
        let salt = work.path().display().to_string();
        let store = xnix_store(&work.path().join("root"));
        let s = sample_closure(&store, &salt, work.path());
        let (sk, pk) = nix_key(work.path(), "xnix-test-1");
        let (_, other_pk) = nix_key(work.path(), "other-1");
        let key = SecretKey::parse(&fs::read_to_string(&sk).unwrap()).unwrap();
        let cache_dir = work.path().join("cache");
        push(
            &cache_dir,
            &store,
            &s.top,
            &PushOptions {
                compression,
                sign_key: Some(key),
            },
        );
        let info = fs::read_to_string(cache_dir.join("nix-cache-info")).unwrap();
        assert!(info.contains("StoreDir: /nix/store\n"), "{info}");
        for p in &s.all {
            let text =
                fs::read_to_string(cache_dir.join(format!("{}.narinfo", p.hash_part()))).unwrap();
            assert!(
                text.contains(&format!("Compression: {}\n", compression.name())),
                "{text}"
            );
            assert!(text.contains("Sig: xnix-test-1:"), "{text}");
        }
        let url = format!("file://{}", cache_dir.display());
        let top = StoreDir::nix().print(&s.top);
        let dest = scratch_store();
        // A key Nix does not trust: Nix refuses the input-addressed paths.
        let other = fs::read_to_string(&other_pk).unwrap();
        let (ok, _, err) = nix_try(
            "nix",
            &["copy", "--from", &url, "--to", &dest, &top],
            &format!("trusted-public-keys = {other}\n"),
        );
        assert!(!ok, "Nix accepted paths signed by an untrusted key");
        assert!(err.contains("lacks a valid signature"), "{err}");
        let trusted = format!(
            "trusted-public-keys = {}\n",
            fs::read_to_string(&pk).unwrap()
        );
        nix_ok(
            "nix",
            &["copy", "--from", &url, "--to", &dest, &top],
            &trusted,
        );
        for p in &s.all {
            let printed = StoreDir::nix().print(p);
            assert!(
                nix_dump(&dest, &printed) == nar_of(&store, p),
                "NAR of {printed} differs after the round trip"
            );
            // Nix checks the signature against the trusted key.
            nix_ok(
                "nix",
                &[
                    "store",
                    "verify",
                    "--store",
                    &dest,
                    "--sigs-needed",
                    "1",
                    &printed,
                ],
                &trusted,
            );
            let refs = nix_ok(
                "nix-store",
                &["--store", &dest, "-q", "--references", &printed],
                "",
            );
            let mut theirs: Vec<&str> = refs.lines().collect();
            theirs.sort();
            let info = store.query_path_info(p).unwrap().unwrap();
            let ours: Vec<String> = info
                .references
                .iter()
                .map(|r| StoreDir::nix().print(r))
                .collect();
            assert_eq!(theirs, ours, "references of {printed}");
        }
    }
}

#[test]
fn nix_pushes_xnix_pulls_and_checks_the_signature() {
    for compression in ["xz", "none"] {
        let work = tempfile::tempdir().unwrap();
        let salt = work.path().display().to_string();
        let src = scratch_store();
        // Two text files, one referring to the other, plus a source tree.
        let b = nix_linked_texts(&src, &salt);
        let tree = work.path().join("tree");
        fs::create_dir_all(&tree).unwrap();
        fs::write(tree.join("f"), format!("{salt}\n").repeat(50)).unwrap();
        let t = nix_ok(
            "nix-store",
            &["--store", &src, "--add", tree.to_str().unwrap()],
            "",
        )
        .trim()
        .to_string();
        let (sk, pk) = nix_key(work.path(), "nix-test-1");
        let cache_dir = work.path().join("cache");
        let to = format!(
            "file://{}?compression={compression}&secret-key={}",
            cache_dir.display(),
            sk.display()
        );
        nix_ok("nix", &["copy", "--from", &src, "--to", &to, &b, &t], "");
        let store = xnix_store(&work.path().join("root"));
        let sd = StoreDir::nix();
        let opts = PullOptions {
            trusted_keys: vec![PublicKey::parse(&fs::read_to_string(&pk).unwrap()).unwrap()],
            no_check_sigs: false,
        };
        for top in [&b, &t] {
            let p = sd.parse(top).unwrap();
            let report = pull(&cache_dir, &store, &p, &opts).unwrap();
            assert!(report.copied.contains(&p));
        }
        // b's closure holds a.
        let bp = sd.parse(&b).unwrap();
        let binfo = store.query_path_info(&bp).unwrap().unwrap();
        assert_eq!(binfo.references.len(), 1);
        let all: Vec<StorePath> = [bp.clone(), sd.parse(&t).unwrap()]
            .into_iter()
            .chain(binfo.references.iter().cloned())
            .collect();
        for p in &all {
            let printed = sd.print(p);
            assert!(
                nix_dump(&src, &printed) == nar_of(&store, p),
                "NAR of {printed} differs"
            );
            let info = store.query_path_info(p).unwrap().unwrap();
            let h = nix_ok(
                "nix-store",
                &["--store", &src, "-q", "--hash", &printed],
                "",
            );
            assert_eq!(h.trim(), info.nar_hash.to_string());
            assert!(
                info.sigs.iter().any(|s| s.starts_with("nix-test-1:")),
                "{:?}",
                info.sigs
            );
            assert!(info.ca.is_some(), "the CA of {printed} was lost");
        }
        assert!(store.verify().unwrap().is_clean());
    }
}

/// A signed cache of a fresh sample closure, written by xnix, uncompressed
/// (so tests can alter NAR bytes in place).
struct Signed {
    work: tempfile::TempDir,
    cache: PathBuf,
    sample: Sample,
    key: SecretKey,
    source: LocalStore,
}

fn signed_cache() -> Signed {
    let work = tempfile::tempdir().unwrap();
    let salt = work.path().display().to_string();
    let source = xnix_store(&work.path().join("src-root"));
    let sample = sample_closure(&source, &salt, work.path());
    let key = SecretKey::generate("refusal-1").unwrap();
    let cache = work.path().join("cache");
    push(
        &cache,
        &source,
        &sample.top,
        &PushOptions {
            compression: Compression::None,
            sign_key: Some(key.clone()),
        },
    );
    Signed {
        work,
        cache,
        sample,
        key,
        source,
    }
}

impl Signed {
    fn fresh_store(&self, name: &str) -> LocalStore {
        xnix_store(&self.work.path().join(name))
    }
    fn trusting(&self) -> PullOptions {
        PullOptions {
            trusted_keys: vec![self.key.public_key()],
            no_check_sigs: false,
        }
    }
    fn narinfo_file(&self, p: &StorePath) -> PathBuf {
        self.cache.join(format!("{}.narinfo", p.hash_part()))
    }
    fn narinfo(&self, p: &StorePath) -> NarInfo {
        NarInfo::parse(
            &StoreDir::nix(),
            &fs::read_to_string(self.narinfo_file(p)).unwrap(),
        )
        .unwrap()
    }
    fn assert_nothing_registered(&self, store: &LocalStore) {
        assert!(
            store.query_all_valid_paths().unwrap().is_empty(),
            "something was registered"
        );
    }
}

#[test]
fn untrusted_or_missing_or_wrong_signatures_are_refused() {
    let s = signed_cache();
    // No trusted key at all.
    let store = s.fresh_store("a");
    let e = pull(&s.cache, &store, &s.sample.top, &PullOptions::default()).unwrap_err();
    assert!(matches!(e, BinaryCacheError::Untrusted { .. }), "{e}");
    assert!(e.to_string().contains("refusal-1"), "{e}");
    s.assert_nothing_registered(&store);
    // A key with the same name but other bytes.
    let impostor = SecretKey::generate("refusal-1").unwrap().public_key();
    let e = pull(
        &s.cache,
        &store,
        &s.sample.top,
        &PullOptions {
            trusted_keys: vec![impostor],
            no_check_sigs: false,
        },
    )
    .unwrap_err();
    assert!(matches!(e, BinaryCacheError::Untrusted { .. }), "{e}");
    s.assert_nothing_registered(&store);
    // A signature that does not match the narinfo: the NarSize was changed.
    let mid = &s.sample.all[2];
    let file = s.narinfo_file(mid);
    let original = fs::read_to_string(&file).unwrap();
    let ni = s.narinfo(mid);
    fs::write(
        &file,
        original.replace(
            &format!("NarSize: {}\n", ni.nar_size),
            &format!("NarSize: {}\n", ni.nar_size + 1),
        ),
    )
    .unwrap();
    let e = pull(&s.cache, &store, &s.sample.top, &s.trusting()).unwrap_err();
    assert!(matches!(e, BinaryCacheError::Untrusted { .. }), "{e}");
    assert!(e.to_string().contains(&StoreDir::nix().print(mid)), "{e}");
    s.assert_nothing_registered(&store);
    fs::write(&file, &original).unwrap();
    // Restored, the same pull succeeds: the refusals above were about the signatures.
    let r = pull(&s.cache, &store, &s.sample.top, &s.trusting()).unwrap();
    assert_eq!(r.copied.len(), 4);
    assert!(store.verify().unwrap().is_clean());
}

#[test]
fn tampered_nars_are_refused() {
    let s = signed_cache();
    let src_tree = &s.sample.all[1];
    let ni = s.narinfo(src_tree);
    let nar_file = s.cache.join(&ni.url);
    let good = fs::read(&nar_file).unwrap();
    let mut bad = good.clone();
    let i = bad.len() / 2;
    bad[i] ^= 0x20;
    // The file no longer matches FileHash.
    fs::write(&nar_file, &bad).unwrap();
    let store = s.fresh_store("a");
    let e = pull(&s.cache, &store, &s.sample.top, &s.trusting()).unwrap_err();
    assert!(matches!(e, BinaryCacheError::FileMismatch { .. }), "{e}");
    assert!(!store.is_valid_path(src_tree).unwrap());
    assert!(!store.is_valid_path(&s.sample.top).unwrap());
    // FileHash/FileSize (unsigned) adjusted to the bad file: NarHash catches it.
    let text = fs::read_to_string(s.narinfo_file(src_tree)).unwrap();
    // (Uncompressed, FileHash equals NarHash: only the FileHash line changes.)
    let fixed = text.replace(
        &format!("FileHash: {}\n", ni.file_hash.as_ref().unwrap()),
        &format!("FileHash: {}\n", Hash::digest(HashAlgo::Sha256, &bad)),
    );
    assert_ne!(fixed, text);
    fs::write(s.narinfo_file(src_tree), fixed).unwrap();
    let e = pull(&s.cache, &store, &s.sample.top, &s.trusting()).unwrap_err();
    assert!(
        matches!(
            e,
            BinaryCacheError::Store(LocalStoreError::NarMismatch { .. })
        ),
        "{e}"
    );
    assert!(!store.is_valid_path(src_tree).unwrap());
    assert!(!store.is_valid_path(&s.sample.top).unwrap());
    // The same NAR compressed with xz but truncated.
    let s2 = signed_cache();
    let cache_xz = s2.work.path().join("cache-xz");
    push(
        &cache_xz,
        &s2.source,
        &s2.sample.top,
        &PushOptions {
            compression: Compression::Xz,
            sign_key: Some(s2.key.clone()),
        },
    );
    let top_ni = NarInfo::parse(
        &StoreDir::nix(),
        &fs::read_to_string(cache_xz.join(format!("{}.narinfo", s2.sample.top.hash_part())))
            .unwrap(),
    )
    .unwrap();
    let f = cache_xz.join(&top_ni.url);
    let xz = fs::read(&f).unwrap();
    fs::write(&f, &xz[..xz.len() / 2]).unwrap();
    let store = s2.fresh_store("b");
    let e = pull(&cache_xz, &store, &s2.sample.top, &s2.trusting()).unwrap_err();
    assert!(matches!(e, BinaryCacheError::FileMismatch { .. }), "{e}");
    assert!(!store.is_valid_path(&s2.sample.top).unwrap());
}

#[test]
fn a_missing_reference_is_refused_before_anything_is_registered() {
    let s = signed_cache();
    let text_path = &s.sample.all[0];
    fs::remove_file(s.narinfo_file(text_path)).unwrap();
    let store = s.fresh_store("a");
    let e = pull(&s.cache, &store, &s.sample.top, &s.trusting()).unwrap_err();
    match &e {
        BinaryCacheError::NotInCache {
            path, needed_by, ..
        } => {
            assert_eq!(path, &StoreDir::nix().print(text_path));
            assert_eq!(
                needed_by.as_deref(),
                Some(StoreDir::nix().print(&s.sample.all[2]).as_str())
            );
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(e.to_string().contains("a reference of"), "{e}");
    s.assert_nothing_registered(&store);
}

#[test]
fn unsigned_paths_need_no_check_sigs() {
    let work = tempfile::tempdir().unwrap();
    let salt = work.path().display().to_string();
    let source = xnix_store(&work.path().join("src"));
    let sample = sample_closure(&source, &salt, work.path());
    let cache = work.path().join("cache");
    push(&cache, &source, &sample.top, &PushOptions::default());
    let store = xnix_store(&work.path().join("dst"));
    let e = pull(&cache, &store, &sample.top, &PullOptions::default()).unwrap_err();
    assert!(e.to_string().contains("signatures: none"), "{e}");
    assert!(store.query_all_valid_paths().unwrap().is_empty());
    let opts = PullOptions {
        trusted_keys: vec![],
        no_check_sigs: true,
    };
    let r = pull(&cache, &store, &sample.top, &opts).unwrap();
    assert_eq!(r.copied.len(), 4);
    // Pulling again copies nothing.
    let r = pull(&cache, &store, &sample.top, &opts).unwrap();
    assert!(r.copied.is_empty() && r.present == vec![sample.top.clone()]);
}

/// A file backend that dies on its `fail_at`-th write, leaving half of the
/// file under a temporary name as a killed process would.
struct Dying {
    inner: FileBackend,
    writes: Mutex<usize>,
    fail_at: usize,
}

impl CacheBackend for Dying {
    fn url(&self) -> String {
        self.inner.url()
    }
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, BinaryCacheError> {
        self.inner.get(name)
    }
    fn exists(&self, name: &str) -> Result<bool, BinaryCacheError> {
        self.inner.exists(name)
    }
    fn put(&self, name: &str, data: &[u8]) -> Result<(), BinaryCacheError> {
        let mut n = self.writes.lock().unwrap();
        *n += 1;
        if *n == self.fail_at {
            let path = self.inner.dir().join(name);
            let tmp = path.with_file_name(format!(
                ".{}.tmp-dead",
                path.file_name().unwrap().to_string_lossy()
            ));
            fs::create_dir_all(tmp.parent().unwrap()).unwrap();
            fs::write(&tmp, &data[..data.len() / 2]).unwrap();
            return Err(BinaryCacheError::Transport {
                url: self.url(),
                message: "killed".into(),
            });
        }
        self.inner.put(name, data)
    }
}

/// Every narinfo has its NAR file (complete) and its references' narinfos.
fn assert_consistent(cache: &Path) {
    let sd = StoreDir::nix();
    for e in fs::read_dir(cache).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some(hash) = name.strip_suffix(".narinfo") else {
            continue;
        };
        let ni = NarInfo::parse(&sd, &fs::read_to_string(cache.join(&name)).unwrap()).unwrap();
        assert_eq!(ni.store_path.hash_part(), hash);
        let file = fs::read(cache.join(&ni.url)).unwrap_or_else(|_| {
            panic!("{name} is in the cache but its NAR file {} is not", ni.url)
        });
        assert_eq!(Some(Hash::digest(HashAlgo::Sha256, &file)), ni.file_hash);
        for r in &ni.references {
            assert!(
                cache.join(format!("{}.narinfo", r.hash_part())).exists(),
                "{name} is in the cache but its reference {r} is not"
            );
        }
    }
}

#[test]
fn an_interrupted_push_leaves_a_consistent_cache() {
    let work = tempfile::tempdir().unwrap();
    let salt = work.path().display().to_string();
    let source = xnix_store(&work.path().join("src"));
    let sample = sample_closure(&source, &salt, work.path());
    let key = SecretKey::generate("resume-1").unwrap();
    let opts = PushOptions {
        compression: Compression::Xz,
        sign_key: Some(key.clone()),
    };
    // nix-cache-info, then a NAR and a narinfo per path: 9 writes. Die at each.
    for fail_at in 1..=9 {
        let cache_dir = work.path().join(format!("cache-{fail_at}"));
        let dying = Dying {
            inner: FileBackend::new(&cache_dir),
            writes: Mutex::new(0),
            fail_at,
        };
        let result = BinaryCache::create(Box::new(dying), &StoreDir::nix()).and_then(|c| {
            c.push(
                &source,
                &BTreeSet::from([sample.top.clone()]),
                &opts,
                &mut |_| {},
            )
        });
        assert!(result.is_err(), "the write {fail_at} did not fail");
        if cache_dir.exists() {
            assert_consistent(&cache_dir);
        }
        // Resuming completes the cache, and it reads back.
        push(&cache_dir, &source, &sample.top, &opts);
        assert_consistent(&cache_dir);
        let store = xnix_store(&work.path().join(format!("dst-{fail_at}")));
        let r = pull(
            &cache_dir,
            &store,
            &sample.top,
            &PullOptions {
                trusted_keys: vec![key.public_key()],
                no_check_sigs: false,
            },
        )
        .unwrap();
        assert_eq!(r.copied.len(), 4);
    }
    // Nix reads a resumed cache, leftovers and all.
    let cache_dir = work.path().join("cache-5");
    let url = format!("file://{}", cache_dir.display());
    nix_ok(
        "nix",
        &[
            "copy",
            "--no-check-sigs",
            "--from",
            &url,
            "--to",
            &scratch_store(),
            &StoreDir::nix().print(&sample.top),
        ],
        "",
    );
}
