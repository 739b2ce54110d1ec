//! `xnix copy`: copy store paths with their closures to or from a binary
//! cache in Nix's format (as `nix copy --to` / `--from`). The cache logic is
//! `xnix_store::binary_cache`, driven by `xnix_app::cache`; `ssh://`
//! machines are `xnix_remote`'s (the serve protocol over one SSH connection).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use serde_json::json;
use xnix_app::cache::{self, CopyReport, PushRequest};
use xnix_app::progress::{CopyDirection, Event, Reporter};
use xnix_formats::StorePath;
use xnix_remote::copy::{copy_from, copy_to};
use xnix_remote::ssh::{ssh_opts_from_env, SshMaster, SshUrl, CONNECT_TIMEOUT};
use xnix_store::LocalStore;

use super::progress::Progress;
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
    let mut paths = BTreeSet::new();
    for p in &args.paths {
        paths.insert(super::resolve_store_path(&store, p)?);
    }
    let progress = Progress::new(store.store_dir().clone(), false);
    let ssh_url = args.to.as_deref().or(args.from.as_deref()).unwrap_or("");
    let result = if let Some(url) = SshUrl::parse(ssh_url)? {
        copy_ssh(&store, &url, args.to.is_some(), &paths, &progress)
    } else if let Some(url) = &args.to {
        let request = PushRequest {
            sign_key: args.sign_key.clone(),
            compression: args.compression.clone(),
        };
        cache::push(&store, url, &paths, &request, &progress)
    } else if let Some(url) = &args.from {
        cache::pull(
            &store,
            url,
            &paths,
            &args.trusted_keys,
            args.no_check_sigs,
            &progress,
        )
    } else {
        bail!("say where to copy: --to URL or --from URL")
    };
    progress.finish();
    print_report(&store, &result?, args.json)
}

/// `xnix copy --to/--from ssh://...`: one master connection, one serve session.
fn copy_ssh(
    store: &LocalStore,
    url: &SshUrl,
    to: bool,
    paths: &BTreeSet<StorePath>,
    reporter: &dyn Reporter,
) -> anyhow::Result<CopyReport> {
    let master = SshMaster::connect(url, &ssh_opts_from_env(), CONNECT_TIMEOUT)?;
    let mut client = master.serve_client(store.store_dir())?;
    let shown = url.display();
    let direction = if to {
        CopyDirection::To
    } else {
        CopyDirection::From
    };
    let mut progress = |e| {
        reporter.event(&Event::Copy {
            event: &e,
            direction,
            cache: &shown,
        })
    };
    let report = if to {
        copy_to(
            store,
            &mut client,
            paths,
            &Default::default(),
            &mut progress,
        )
    } else {
        copy_from(store, &mut client, paths, &mut progress)
    };
    let verb = if to { "to" } else { "from" };
    let report = anyhow::Context::with_context(report, || format!("copying {verb} '{shown}'"))?;
    client.close()?;
    Ok(report)
}

/// Run `xnix copy`.
pub fn run(args: CopyArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    run_inner(args, opts)?;
    Ok(ExitCode::SUCCESS)
}
