//! `xnix store ...`: the store's byte formats and the local store, as
//! `nix-store` and `nix-hash` offer them. Everything here is answered by
//! `xnix-store`; this module only parses arguments and prints.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use xnix_app::nar;
use xnix_formats::{ContentAddressMethod, Hash, HashAlgo, HashEncoding, StoreDir, StorePath};
use xnix_store::local::{GcOptions, LocalStore, LocalStoreConfig};

use super::StoreOpts;

const STORE_EXAMPLES: &str = "\
The store is /xnix/store unless --store-dir (or XNIX_STORE_DIR) says otherwise;
--store-root (or XNIX_STORE_ROOT) puts it under another directory (as Nix's
`--store local?root=DIR`). These options work with every xnix command.

Examples:
  xnix store add ./src                       add a tree as a source path
  xnix store add --fixed sha256 ./file.tar   add as a flat fixed-output path
  xnix store hash ./src                      NAR hash, as `nix-hash --type sha256 --base32`
  xnix store convert-hash --to sri sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s
  xnix store dump ./src > src.nar            NAR bytes, as `nix-store --dump`
  xnix store path-info /xnix/store/...-src --json
  xnix store gc --dry-run
  xnix store verify --check-contents
  xnix store generate-key cache.example.org-1 ./secret.key ./public.key";

/// Arguments of `xnix store`.
#[derive(Args)]
#[command(after_help = STORE_EXAMPLES)]
pub struct StoreArgs {
    /// Flush added objects to disk before registering them (power-loss safe, slower).
    #[arg(long, global = true)]
    fsync: bool,
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Add files or directories to the store and print their paths.
    #[command(
        after_help = "Examples:\n  xnix store add ./src ./notes.txt\n  xnix store add --fixed sha256 ./hello-2.12.tar.gz\n  xnix store add --fixed sha256 --recursive ./vendor"
    )]
    Add {
        /// Add as a fixed-output path hashed with this algorithm (flat unless --recursive).
        #[arg(long, value_name = "ALGO")]
        fixed: Option<String>,
        /// With --fixed: hash the NAR serialisation instead of the file's bytes.
        #[arg(long, requires = "fixed")]
        recursive: bool,
        /// Paths to add.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Add a text object (as builtins.toFile) with the contents of a file or stdin.
    #[command(
        after_help = "Examples:\n  xnix store add-text greeting.txt ./greeting.txt\n  echo hello | xnix store add-text greeting.txt"
    )]
    AddText {
        /// The object's name.
        name: String,
        /// Read the contents from this file ('-' or absent: stdin).
        file: Option<PathBuf>,
    },
    /// Write the NAR serialisation of a path to stdout (as nix-store --dump).
    #[command(
        after_help = "Examples:\n  xnix store dump ./src > src.nar\n  xnix store dump /xnix/store/...-hello-2.12 | xnix store restore ./copy"
    )]
    Dump {
        /// The file or directory.
        path: PathBuf,
    },
    /// Read a NAR from stdin and unpack it at DEST (as nix-store --restore).
    #[command(
        after_help = "Examples:\n  xnix store restore ./tree < src.nar\n  nix-store --dump ./src | xnix store restore ./tree"
    )]
    Restore {
        /// Where to create the tree; must not exist.
        dest: PathBuf,
    },
    /// Hash a path (as nix-hash): the NAR, or with --flat the file's bytes.
    #[command(
        after_help = "Examples:\n  xnix store hash ./src\n  xnix store hash --flat --type sha1 --to base16 ./file.tar.gz"
    )]
    Hash {
        /// The algorithm.
        #[arg(long = "type", default_value = "sha256")]
        algo: String,
        /// Hash the file's bytes instead of its NAR.
        #[arg(long)]
        flat: bool,
        /// How to print the hash.
        #[arg(long, value_enum, default_value = "base32")]
        to: Encoding,
        /// Paths to hash.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Convert hashes between encodings (input in any form Nix accepts).
    #[command(
        after_help = "Examples:\n  xnix store convert-hash sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s\n  xnix store convert-hash --type sha256 --to base16 1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s"
    )]
    ConvertHash {
        /// The algorithm, for hashes written without a prefix.
        #[arg(long = "type")]
        algo: Option<String>,
        /// The encoding to print.
        #[arg(long, value_enum, default_value = "sri")]
        to: Encoding,
        /// Hashes to convert.
        #[arg(required = true)]
        hashes: Vec<String>,
    },
    /// Show what the registry knows about store paths.
    #[command(
        after_help = "Examples:\n  xnix store path-info ./result\n  xnix store path-info --json /xnix/store/...-hello-2.12"
    )]
    PathInfo {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Print the closure of store paths (them and all they refer to).
    #[command(
        after_help = "Examples:\n  xnix store closure ./result\n  xnix store closure /xnix/store/...-hello-2.12.drv"
    )]
    Closure {
        /// Store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Print a derivation as JSON (as nix show-derivation).
    #[command(
        after_help = "Examples:\n  xnix store show-derivation /xnix/store/...-hello-2.12.drv\n  xnix store show-derivation $(xnix instantiate -A hello)"
    )]
    ShowDerivation {
        /// `.drv` store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Check that every valid path exists; with --check-contents also re-hash it.
    #[command(after_help = "Examples:\n  xnix store verify\n  xnix store verify --check-contents")]
    Verify {
        /// Re-hash every valid path and compare with the registered NAR hash.
        #[arg(long)]
        check_contents: bool,
    },
    /// Make a binary-cache signing key pair (as nix-store --generate-binary-cache-key).
    #[command(
        after_help = "Examples:\n  xnix store generate-key cache.example.org-1 ./secret.key ./public.key"
    )]
    GenerateKey {
        /// The key's name, e.g. cache.example.org-1.
        name: String,
        /// Where to write the secret key (never overwritten).
        secret_file: PathBuf,
        /// Where to write the public key.
        public_file: PathBuf,
    },
    /// List the GC roots.
    #[command(
        after_help = "Examples:\n  xnix store roots\n  xnix --store-root /tmp/root store roots"
    )]
    Roots,
    /// Make a store path a GC root through a symlink (as nix-store --add-root).
    #[command(after_help = "Examples:\n  xnix store add-root ./result /xnix/store/...-hello-2.12")]
    AddRoot {
        /// The symlink to create (e.g. ./result).
        link: PathBuf,
        /// The store path.
        path: String,
    },
    /// Delete unreachable store paths.
    #[command(after_help = "Examples:\n  xnix store gc --dry-run\n  xnix store gc")]
    Gc {
        /// Only print what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete specific store paths (refused if still alive).
    #[command(
        after_help = "Examples:\n  xnix store delete /xnix/store/...-hello-2.12\n  xnix store delete $(readlink ./old-result)"
    )]
    Delete {
        /// Store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Encoding {
    Base16,
    Base32,
    Base64,
    Sri,
}

impl Encoding {
    fn print(self, h: &Hash) -> String {
        match self {
            Encoding::Base16 => h.encode(HashEncoding::Base16, false),
            Encoding::Base32 => h.encode(HashEncoding::Base32, false),
            Encoding::Base64 => h.encode(HashEncoding::Base64, false),
            Encoding::Sri => h.to_sri(),
        }
    }
}

fn open_store(args: &StoreArgs, opts: &StoreOpts) -> anyhow::Result<LocalStore> {
    let store_dir = StoreDir::new(opts.store_dir().to_string())?;
    let config = LocalStoreConfig {
        store_dir: Some(store_dir),
        root: opts.store_root.clone(),
        state_dir: opts.state_dir.clone(),
        fsync: args.fsync,
    };
    LocalStore::open(config).context("opening the store")
}

fn parse_paths(store: &LocalStore, paths: &[String]) -> anyhow::Result<BTreeSet<StorePath>> {
    paths
        .iter()
        .map(|p| {
            let (sp, _) = store.store_dir().split_inner(p)?;
            Ok(sp)
        })
        .collect()
}

fn name_of(path: &std::path::Path) -> anyhow::Result<String> {
    let abs =
        std::path::absolute(path).with_context(|| format!("resolving '{}'", path.display()))?;
    match abs.file_name().and_then(|n| n.to_str()) {
        Some(n) => Ok(n.to_string()),
        None => bail!(
            "'{}' has no usable file name to name the store path after",
            path.display()
        ),
    }
}

/// Run `xnix store ...`.
pub fn run(args: StoreArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        StoreCommand::Add {
            fixed,
            recursive,
            paths,
        } => {
            let store = open_store(&args, opts)?;
            for p in paths {
                let name = name_of(p)?;
                let sp = match fixed {
                    None => store.add_to_store(&name, p),
                    Some(algo) => {
                        let algo = HashAlgo::parse(algo)?;
                        let method = if *recursive {
                            ContentAddressMethod::Recursive
                        } else {
                            ContentAddressMethod::Flat
                        };
                        store
                            .add_to_store_fixed(&name, p, method, algo)
                            .map(|(sp, _)| sp)
                    }
                }
                .with_context(|| format!("adding '{}'", p.display()))?;
                writeln!(out, "{}", store.print_path(&sp))?;
            }
        }
        StoreCommand::AddText { name, file } => {
            let store = open_store(&args, opts)?;
            let text = match file {
                Some(f) if f.as_os_str() != "-" => {
                    std::fs::read(f).with_context(|| format!("reading '{}'", f.display()))?
                }
                _ => {
                    let mut v = Vec::new();
                    io::Read::read_to_end(&mut io::stdin(), &mut v)?;
                    v
                }
            };
            let sp = store.add_text_to_store(name, &text, &BTreeSet::new())?;
            writeln!(out, "{}", store.print_path(&sp))?;
        }
        StoreCommand::Dump { path } => {
            // A logical store path of a store under --store-root is read from under the root.
            let path = if path.exists() {
                path.clone()
            } else {
                opts.physical(path)
            };
            let mut w = io::BufWriter::with_capacity(1 << 20, &mut out);
            nar::dump_path(&path, &mut w)
                .with_context(|| format!("dumping '{}'", path.display()))?;
            w.flush()?;
        }
        StoreCommand::Restore { dest } => {
            nar::restore(
                io::BufReader::with_capacity(1 << 16, io::stdin().lock()),
                dest,
            )?;
        }
        StoreCommand::Hash {
            algo,
            flat,
            to,
            paths,
        } => {
            let algo = HashAlgo::parse(algo)?;
            for p in paths {
                let h = if *flat {
                    let f = std::fs::File::open(p)
                        .with_context(|| format!("opening '{}'", p.display()))?;
                    Hash::digest_reader(algo, f)
                        .with_context(|| format!("reading '{}'", p.display()))?
                } else {
                    nar::nar_hash_with(p, algo)?.0
                };
                writeln!(out, "{}", to.print(&h))?;
            }
        }
        StoreCommand::ConvertHash { algo, to, hashes } => {
            let algo = algo.as_deref().map(HashAlgo::parse).transpose()?;
            for h in hashes {
                writeln!(out, "{}", to.print(&Hash::parse(h, algo)?))?;
            }
        }
        StoreCommand::PathInfo { json, paths } => {
            let store = open_store(&args, opts)?;
            let mut list = Vec::new();
            for p in parse_paths(&store, paths)? {
                let info = store
                    .query_path_info(&p)?
                    .with_context(|| format!("path '{}' is not valid", store.print_path(&p)))?;
                if *json {
                    list.push(serde_json::json!({
                        "path": store.print_path(&p),
                        "narHash": info.nar_hash.to_string(),
                        "narSize": info.nar_size,
                        "references": info.references.iter().map(|r| store.print_path(r)).collect::<Vec<_>>(),
                        "deriver": info.deriver.as_ref().map(|d| store.print_path(d)),
                        "registrationTime": info.registration_time,
                        "ca": info.ca,
                        "ultimate": info.ultimate,
                    }));
                } else {
                    writeln!(
                        out,
                        "{}\t{}\t{}",
                        store.print_path(&p),
                        info.nar_hash,
                        info.nar_size
                    )?;
                    for r in &info.references {
                        writeln!(out, "  -> {}", store.print_path(r))?;
                    }
                }
            }
            if *json {
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            }
        }
        StoreCommand::Closure { paths } => {
            let store = open_store(&args, opts)?;
            for p in store.closure(&parse_paths(&store, paths)?)? {
                writeln!(out, "{}", store.print_path(&p))?;
            }
        }
        StoreCommand::ShowDerivation { paths } => {
            let store = open_store(&args, opts)?;
            let mut obj = serde_json::Map::new();
            for p in parse_paths(&store, paths)? {
                let drv = store.read_derivation(&p)?;
                obj.insert(store.print_path(&p), drv.to_json(store.store_dir()));
            }
            serde_json::to_writer_pretty(&mut out, &obj)?;
            writeln!(out)?;
        }
        StoreCommand::GenerateKey {
            name,
            secret_file,
            public_file,
        } => {
            xnix_app::cache::generate_key(name, secret_file, public_file)?;
        }
        StoreCommand::Verify { check_contents } => {
            let store = open_store(&args, opts)?;
            let r = if *check_contents {
                store.verify()?
            } else {
                let mut r = xnix_store::local::VerifyReport::default();
                for p in store.query_all_valid_paths()? {
                    r.checked += 1;
                    if std::fs::symlink_metadata(store.real_path(&p)).is_err() {
                        r.missing.push(p);
                    }
                }
                r
            };
            for p in &r.missing {
                writeln!(out, "missing: {}", store.print_path(p))?;
            }
            for (p, want, got) in &r.corrupt {
                writeln!(
                    out,
                    "corrupt: {} (registered {}, actual {})",
                    store.print_path(p),
                    want,
                    got
                )?;
            }
            for (p, r) in &r.dangling_references {
                writeln!(out, "dangling reference: {} -> {}", store.print_path(p), r)?;
            }
            writeln!(
                out,
                "checked {} paths: {}",
                r.checked,
                if r.is_clean() { "ok" } else { "PROBLEMS" }
            )?;
            if !r.is_clean() {
                return Ok(ExitCode::FAILURE);
            }
        }
        StoreCommand::Roots => {
            let store = open_store(&args, opts)?;
            for (link, p) in store.find_roots()? {
                writeln!(out, "{} -> {}", link.display(), store.print_path(&p))?;
            }
        }
        StoreCommand::AddRoot { link, path } => {
            let store = open_store(&args, opts)?;
            let (sp, _) = store.store_dir().split_inner(path)?;
            if !store.is_valid_path(&sp)? {
                bail!(
                    "path '{}' is not valid in the store; add or build it first",
                    path
                );
            }
            store.add_indirect_root(link, &sp)?;
            writeln!(out, "{}", link.display())?;
        }
        StoreCommand::Gc { dry_run } => {
            let store = open_store(&args, opts)?;
            let r = store.gc(&GcOptions { dry_run: *dry_run })?;
            for p in &r.deleted {
                writeln!(out, "{}", store.print_path(p))?;
            }
            let verb = if *dry_run { "would delete" } else { "deleted" };
            eprintln!(
                "{verb} {} store paths ({} bytes) and {} unregistered leftovers",
                r.deleted.len(),
                r.bytes_freed,
                r.removed_invalid.len()
            );
        }
        StoreCommand::Delete { paths } => {
            let store = open_store(&args, opts)?;
            store.delete_paths(&parse_paths(&store, paths)?)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
