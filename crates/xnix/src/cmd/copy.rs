//! `xnix copy`: copy store paths with their closures to or from a binary
//! cache in Nix's format (as `nix copy --to` / `--from`), and
//! `xnix store generate-key` for the signing keys. The cache logic is
//! `xnix_store::binary_cache`; HTTP reading is `xnix_build::http_cache`.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use xnix_build::http_cache::HttpBackend;
use xnix_formats::signing::{PublicKey, SecretKey};
use xnix_formats::{StoreDir, StorePath};
use xnix_remote::copy::{copy_from, copy_to};
use xnix_remote::ssh::{ssh_opts_from_env, SshMaster, SshUrl, CONNECT_TIMEOUT};
use xnix_store::binary_cache::{
    parse_file_url, BinaryCache, Compression, CopyEvent, CopyReport, PullOptions, PushOptions,
};
use xnix_store::LocalStore;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix store generate-key cache.example.org-1 ./secret.key ./public.key
  xnix copy --to file:///srv/cache --sign-key ./secret.key ./result
  xnix copy --to file:///srv/cache --compression none /xnix/store/...-hello
  xnix copy --to 'file:///srv/cache?compression=none&secret-key=./secret.key' ./result
  xnix copy --from file:///srv/cache --trusted-key \"$(cat public.key)\" /xnix/store/...-hello
  xnix copy --from https://cache.example.org --trusted-key ./public.key /xnix/store/...-hello
  xnix copy --from file:///srv/cache --no-check-sigs --json /xnix/store/...-hello
  xnix copy --to ssh://root@board ./result
  XNIX_SSHOPTS='-i ./deploy.key -p 2222' xnix copy --from ssh://builder /xnix/store/...-hello
  xnix --store-dir /nix/store copy --to ssh://nix-machine /nix/store/...-hello

A cache is a directory (file://DIR) or, for reading, an HTTP(S) URL, laid out
as Nix lays out binary caches (nix-cache-info, HASH.narinfo, nar/FILEHASH.nar.xz),
so `nix copy` reads what `xnix copy` writes and the other way round. Each path
is copied with everything it refers to, references first.

ssh://[USER@]HOST[:PORT] copies to or from another machine's store through the
system's ssh (one connection per host; extra options in XNIX_SSHOPTS, as Nix's
NIX_SSHOPTS): only the paths the other side lacks travel, and the receiving
store checks each NAR's hash and size before registering it. The other side
runs `xnix serve --stdio` (or, for --store-dir /nix/store, Nix's own
`nix-store --serve` when it has no xnix; ?remote-program=PATH names another).

Copying from a cache requires every path to carry a valid signature by a
trusted key: --trusted-key KEY (a public key NAME:BASE64, or a file holding
one; repeatable; also XNIX_TRUSTED_PUBLIC_KEYS, space-separated), unless
--no-check-sigs is given. NAR hashes and sizes are always checked, and a path
that fails any check is not registered.

--json prints {\"copied\": [...], \"present\": [...]} on stdout: the paths copied
(references first) and those already at the destination.";

/// Arguments of `xnix copy`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct CopyArgs {
    /// Copy to this binary cache (file:///DIR) or machine (ssh://[USER@]HOST).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub to: Option<String>,
    /// Copy from this binary cache (file:///DIR or http(s)://...) or machine (ssh://[USER@]HOST) into the local store.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// With --to: sign each path with this secret key file (Nix's NAME:BASE64 format).
    #[arg(long, value_name = "FILE", requires = "to")]
    pub sign_key: Option<PathBuf>,
    /// With --to: how NAR files are compressed.
    #[arg(long, value_name = "METHOD", value_parser = ["xz", "none"], requires = "to")]
    pub compression: Option<String>,
    /// With --from: a trusted public key (NAME:BASE64, or a file holding one).
    #[arg(
        long = "trusted-key",
        value_name = "KEY",
        env = "XNIX_TRUSTED_PUBLIC_KEYS",
        value_delimiter = ' '
    )]
    pub trusted_keys: Vec<String>,
    /// With --from: accept paths without a valid signature by a trusted key.
    #[arg(long, requires = "from")]
    pub no_check_sigs: bool,
    /// Print what was copied as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Store paths (or links such as ./result when copying to a cache).
    #[arg(required = true)]
    pub paths: Vec<String>,
}

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

/// Copy progress on stderr: a bar on a terminal, Nix's lines otherwise.
struct CopyProgress {
    bar: Option<ProgressBar>,
    store_dir: StoreDir,
    verb: String,
}

impl CopyProgress {
    fn new(store_dir: StoreDir, verb: String) -> CopyProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
            bar.set_style(
                ProgressStyle::with_template("[{pos}/{len}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        CopyProgress {
            bar,
            store_dir,
            verb,
        }
    }

    fn event(&self, e: CopyEvent) {
        match e {
            CopyEvent::Copying { path, of, .. } => {
                let line = format!(
                    "copying path '{}' {}...",
                    self.store_dir.print(&path),
                    self.verb
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_length(of as u64);
                        bar.set_message(line);
                    }
                    None => eprintln!("{line}"),
                }
            }
            CopyEvent::Copied { .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            CopyEvent::Planned { .. } | CopyEvent::Present { .. } => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_report(store: &LocalStore, report: &CopyReport, json: bool) -> anyhow::Result<()> {
    if json {
        let list =
            |v: &[StorePath]| -> Vec<String> { v.iter().map(|p| store.print_path(p)).collect() };
        let out = json!({ "copied": list(&report.copied), "present": list(&report.present) });
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{out}")?;
    } else {
        eprintln!(
            "copied {} path{}, {} already present",
            report.copied.len(),
            if report.copied.len() == 1 { "" } else { "s" },
            report.present.len()
        );
    }
    Ok(())
}

fn run_inner(args: CopyArgs, opts: &StoreOpts) -> anyhow::Result<()> {
    let store = opts.open()?;
    let sd = store.store_dir().clone();
    let mut paths = BTreeSet::new();
    for p in &args.paths {
        paths.insert(super::resolve_store_path(&store, p)?);
    }
    let ssh_url = args.to.as_deref().or(args.from.as_deref()).unwrap_or("");
    if let Some(url) = SshUrl::parse(ssh_url)? {
        return copy_ssh(&store, &url, args.to.is_some(), &paths, args.json);
    }
    if let Some(url) = &args.to {
        // Nix-style parameters (`file:///DIR?compression=none&secret-key=FILE`)
        // stand in for the options.
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
        let cache = open_cache(url, &sd, true)?;
        let sign_key = match args.sign_key.as_ref().or(key_param.as_ref()) {
            Some(f) => Some(
                std::fs::read_to_string(f)
                    .map_err(anyhow::Error::from)
                    .and_then(|text| Ok(SecretKey::parse(&text)?))
                    .with_context(|| format!("reading the secret key '{}'", f.display()))?,
            ),
            None => None,
        };
        let compression = Compression::parse(
            args.compression
                .as_deref()
                .or(compression_param.as_deref())
                .unwrap_or("xz"),
        )?;
        let progress = CopyProgress::new(sd.clone(), format!("to '{}'", cache.url()));
        let result = cache.push(
            &store,
            &paths,
            &PushOptions {
                compression,
                sign_key,
            },
            &mut |e| progress.event(e),
        );
        progress.finish();
        let report = result.with_context(|| format!("copying to '{}'", cache.url()))?;
        print_report(&store, &report, args.json)
    } else if let Some(url) = &args.from {
        let options = PullOptions {
            trusted_keys: parse_trusted_keys(&args.trusted_keys)?,
            no_check_sigs: args.no_check_sigs,
        };
        let cache = open_cache(url, &sd, false)?;
        let progress = CopyProgress::new(sd.clone(), format!("from '{}'", cache.url()));
        let result = cache.pull(&store, &paths, &options, &mut |e| progress.event(e));
        progress.finish();
        let report = result.with_context(|| format!("copying from '{}'", cache.url()))?;
        print_report(&store, &report, args.json)
    } else {
        bail!("say where to copy: --to URL or --from URL")
    }
}

/// `xnix copy --to/--from ssh://...`: one master connection, one serve session.
fn copy_ssh(
    store: &LocalStore,
    url: &SshUrl,
    to: bool,
    paths: &BTreeSet<StorePath>,
    json: bool,
) -> anyhow::Result<()> {
    let sd = store.store_dir().clone();
    let master = SshMaster::connect(url, &ssh_opts_from_env(), CONNECT_TIMEOUT)?;
    let mut client = master.serve_client(&sd)?;
    let verb = if to { "to" } else { "from" };
    let progress = CopyProgress::new(sd, format!("{verb} '{}'", url.display()));
    let result = if to {
        copy_to(store, &mut client, paths, &mut |e| progress.event(e))
    } else {
        copy_from(store, &mut client, paths, &mut |e| progress.event(e))
    };
    progress.finish();
    let report = result.with_context(|| format!("copying {verb} '{}'", url.display()))?;
    client.close()?;
    print_report(store, &report, json)
}

/// Run `xnix copy`.
pub fn run(args: CopyArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    run_inner(args, opts)?;
    Ok(ExitCode::SUCCESS)
}

/// `xnix store generate-key NAME SECRET PUBLIC`: write a new key pair in
/// Nix's format. The secret file is created readable by its owner only and
/// never overwritten.
pub fn generate_key(name: &str, secret: &Path, public: &Path) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}
