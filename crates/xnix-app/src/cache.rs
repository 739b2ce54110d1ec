//! Binary caches from the program's point of view: opening one by URL,
//! copying closures to and from it with progress events, trusted keys and
//! key pairs.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xnix_build::http_cache::HttpBackend;
use xnix_formats::signing::{PublicKey, SecretKey};
use xnix_formats::{StoreDir, StorePath};
use xnix_store::binary_cache::{
    parse_file_url, BinaryCache, Compression, PullOptions, PushOptions,
};
use xnix_store::LocalStore;

pub use xnix_store::binary_cache::CopyReport;

use crate::progress::{CopyDirection, Event, Reporter};

/// Open the binary cache at `url`: `file://DIR` (created when `for_writing`)
/// or, read-only, `http(s)://`.
pub fn open_cache(
    url: &str,
    store_dir: &StoreDir,
    for_writing: bool,
) -> anyhow::Result<BinaryCache> {
    let cache = if url.starts_with("http://") || url.starts_with("https://") {
        if for_writing {
            bail!("cannot write to '{url}': HTTP binary caches are read-only in xnix (copy to a file:/// cache and serve that)");
        }
        BinaryCache::open(Box::new(HttpBackend::new(url)?), store_dir)?
    } else {
        BinaryCache::open_url(url, store_dir, for_writing)?
    };
    Ok(cache)
}

/// Parse trusted keys given as `NAME:BASE64` or as files holding one.
pub fn parse_trusted_keys(specs: &[String]) -> anyhow::Result<Vec<PublicKey>> {
    let mut keys = Vec::new();
    for spec in specs.iter().filter(|s| !s.trim().is_empty()) {
        let path = Path::new(spec);
        let text = if !spec.contains(':') || path.is_file() {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the trusted key file '{spec}'"))?
        } else {
            spec.clone()
        };
        keys.push(PublicKey::parse(&text).with_context(|| format!("in the trusted key '{spec}'"))?);
    }
    Ok(keys)
}

/// How to push to a cache.
#[derive(Debug, Clone, Default)]
pub struct PushRequest {
    /// The secret key file to sign with (else the URL's `secret-key=`).
    pub sign_key: Option<PathBuf>,
    /// `xz` or `none` (else the URL's `compression=`, else `xz`).
    pub compression: Option<String>,
}

/// Copy `paths` with their closures to the cache at `url`, which may carry
/// Nix-style parameters (`file:///DIR?compression=none&secret-key=FILE`)
/// standing in for the request's options.
pub fn push(
    store: &LocalStore,
    url: &str,
    paths: &BTreeSet<StorePath>,
    request: &PushRequest,
    reporter: &dyn Reporter,
) -> anyhow::Result<CopyReport> {
    let params = parse_file_url(url)?.map(|(_, p)| p).unwrap_or_default();
    let mut compression_param = None;
    let mut key_param = None;
    for (k, v) in &params {
        match k.as_str() {
            "compression" => compression_param = Some(v.clone()),
            "secret-key" => key_param = Some(PathBuf::from(v)),
            other => bail!(
                "unsupported parameter '{other}' in '{url}' (xnix knows compression= and secret-key=)"
            ),
        }
    }
    let cache = open_cache(url, store.store_dir(), true)?;
    let sign_key = match request.sign_key.as_ref().or(key_param.as_ref()) {
        Some(f) => Some(
            std::fs::read_to_string(f)
                .map_err(anyhow::Error::from)
                .and_then(|text| Ok(SecretKey::parse(&text)?))
                .with_context(|| format!("reading the secret key '{}'", f.display()))?,
        ),
        None => None,
    };
    let compression = Compression::parse(
        request
            .compression
            .as_deref()
            .or(compression_param.as_deref())
            .unwrap_or("xz"),
    )?;
    let shown = cache.url().to_string();
    let mut progress = |e| {
        reporter.event(&Event::Copy {
            event: &e,
            direction: CopyDirection::To,
            cache: &shown,
        })
    };
    cache
        .push(
            store,
            paths,
            &PushOptions {
                compression,
                sign_key,
            },
            &mut progress,
        )
        .with_context(|| format!("copying to '{shown}'"))
}

/// Copy `paths` with their closures from the cache at `url` into `store`,
/// accepting only paths signed by one of `trusted_keys` unless `no_check_sigs`.
pub fn pull(
    store: &LocalStore,
    url: &str,
    paths: &BTreeSet<StorePath>,
    trusted_keys: &[String],
    no_check_sigs: bool,
    reporter: &dyn Reporter,
) -> anyhow::Result<CopyReport> {
    let options = PullOptions {
        trusted_keys: parse_trusted_keys(trusted_keys)?,
        no_check_sigs,
    };
    let cache = open_cache(url, store.store_dir(), false)?;
    let shown = cache.url().to_string();
    let mut progress = |e| {
        reporter.event(&Event::Copy {
            event: &e,
            direction: CopyDirection::From,
            cache: &shown,
        })
    };
    cache
        .pull(store, paths, &options, &mut progress)
        .with_context(|| format!("copying from '{shown}'"))
}

/// Write a new key pair named `name` in Nix's format. The secret file is
/// created readable by its owner only and never overwritten.
pub fn generate_key(name: &str, secret: &Path, public: &Path) -> anyhow::Result<()> {
    let key = SecretKey::generate(name)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(secret)
        .with_context(|| {
            format!(
                "creating the secret key file '{}' (an existing key is never overwritten)",
                secret.display()
            )
        })?;
    f.write_all(key.to_text().as_bytes())
        .with_context(|| format!("writing '{}'", secret.display()))?;
    std::fs::write(public, key.public_key().to_text())
        .with_context(|| format!("writing the public key file '{}'", public.display()))?;
    Ok(())
}
