//! `xnix build`: instantiate, realise, create `result` links registered as
//! GC roots, print the output paths (as `nix-build`). The work is
//! `xnix_app::build`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use xnix_app::installable::DefaultInstallable;
use xnix_app::realise::{remote_builders, sandbox_paths, BuildOptions};
use xnix_app::{with_big_stack, Session};

use super::progress::Progress;
use super::{EvalSource, StoreOpts, SubstituteArgs};

const EXAMPLES: &str = "\
Examples:
  xnix build -A hello                       build from the package collection (pkgs/)
  xnix build -A pkgsCross.aarch64-multiplatform.hello
  xnix build ./default.nix -A app -j 4 --keep-going
  xnix build -E 'with import <xnixpkgs> {}; hello' --no-out-link
  xnix build ./graph.nix --out-link ./out   links ./out, ./out-2, ...
  xnix build -A hello --check               build hello again, fail if it differs

With no FILE and no -E the package collection is used: `$XNIX_PKGS`, or the
pkgs/ directory of the repository xnix was built from (also reachable as
<xnixpkgs>). Each selected output gets a link, as nix-build makes them: the
derivations are numbered in the order they first appear (`result` for the
first, `result-2`, ... for the next) and `-OUTPUT` is appended for an output
other than `out`, so `-A zlib.all` links `result` and `result-dev`, and a
package whose first output is `bin` links `result-bin`. Links are GC roots.
Output paths are printed on stdout, each once, in the order selected.

Builders run in a sandbox that sees the store paths they depend on, plus the
sandbox paths: by default the host's static busybox as /bin/sh and
/bin/busybox; add more with --sandbox-path (Nix's `sandbox-paths` syntax).

With --substituters URL (or XNIX_SUBSTITUTERS, space-separated) an output is
first looked up in those binary caches (as written by `xnix copy --to` or
`nix copy --to`) and fetched instead of built when a cache has it signed by a
--trusted-key (or XNIX_TRUSTED_PUBLIC_KEYS); otherwise it is built:
  xnix build -A hello --substituters file:///srv/cache --trusted-key ./public.key

With --builders (or XNIX_BUILDERS), derivations this machine cannot build (or,
with -j 0, all of them) are built on other machines over ssh, as Nix's remote
builds: their inputs are copied there, the outputs copied back and checked. A
builder runs xnix (or, for --store-dir /nix/store, Nix); one that cannot be
reached is skipped and tried again a minute later:
  xnix build -E '(import <xnixpkgs> { localSystem = \"riscv64-linux\"; }).hello' --builders 'ssh://root@rv-board riscv64-linux'
  xnix build ./drv.nix -j 0 --builders @/etc/xnix/machines

With --check the selected derivations are built again even when their outputs
are valid, and the build fails (naming the output and both NAR hashes) when an
output differs from the valid one, as Nix's --check; the valid outputs stay.
With --keep-failed a differing output is kept beside the valid one as
<output>.check, to compare them (diffoscope, cmp).

Settings (/etc/xnix/xnix.conf or --option NAME VALUE; `xnix show-config` lists
them) give the defaults: max-jobs, cores, sandbox-paths, keep-failed,
substituters, trusted-public-keys, builders; flags and their environment
variables win over them:
  xnix build -A hello --option cores 2 --option extra-sandbox-paths /etc/hosts";

/// Arguments of `xnix build`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: EvalSource,
    /// Run up to N builds at the same time [default: the max-jobs setting, 1].
    #[arg(short = 'j', long = "max-jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Keep building what does not depend on a failed build.
    #[arg(short = 'k', long)]
    pub keep_going: bool,
    /// Keep the build directories of failed builds.
    #[arg(short = 'K', long)]
    pub keep_failed: bool,
    /// Build the selected derivations again and fail if an output differs
    /// from the valid one (reproducibility check; the valid outputs stay).
    #[arg(long)]
    pub check: bool,
    /// Name of the result link (numbered and suffixed for further results).
    #[arg(short = 'o', long, value_name = "NAME", default_value = "result")]
    pub out_link: PathBuf,
    /// Create no result links.
    #[arg(long, conflicts_with = "out_link")]
    pub no_out_link: bool,
    /// Extra host path visible in every sandbox: PATH, INSIDE=HOST, optionally followed by '?'.
    #[arg(long = "sandbox-path", value_name = "SPEC")]
    pub sandbox_path: Vec<String>,
    /// Copy every build log line to stderr (prefixed with the derivation name).
    #[arg(short = 'L', long = "print-build-logs")]
    pub print_build_logs: bool,
    /// Log lines shown when a build fails.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub log_lines: usize,
    #[command(flatten)]
    pub substitute: SubstituteArgs,
    /// Other machines to build on: Nix's machines format
    /// ('ssh://HOST SYSTEMS KEY MAXJOBS SPEED FEATURES MANDATORY; ...') or @FILE.
    /// With -j 0 every derivation goes to them.
    #[arg(long, value_name = "MACHINES", env = "XNIX_BUILDERS")]
    pub builders: Option<String>,
}

fn run_inner(args: BuildArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    let store = opts.open()?;
    let session = Session::new(
        opts.store_dir(),
        args.source.request(DefaultInstallable::Collection, &opts),
    )?;
    let settings = opts.settings.build_options()?;
    let jobs = args.jobs.unwrap_or(settings.jobs);
    let builders = args.builders.clone().or_else(|| opts.settings.builders());
    let options = BuildOptions {
        jobs: jobs.max(1),
        remote_builders: remote_builders(builders.as_deref(), opts.config()?)?,
        build_locally: jobs > 0 || builders.is_none(),
        keep_going: args.keep_going,
        check: args.check,
        keep_failed: args.keep_failed || settings.keep_failed,
        sandbox_paths: sandbox_paths(&[opts.settings.sandbox_paths(), args.sandbox_path].concat())?,
        log_tail_lines: args.log_lines,
        substituters: args.substitute.substituters(&opts)?,
        ..settings
    };
    super::lend_store(&session, &opts, &options)?;
    let out_link = (!args.no_out_link).then_some(args.out_link.as_path());
    let progress = Progress::new(store.store_dir().clone(), args.print_build_logs);
    let result = xnix_app::build::build(&session, &store, &options, out_link, &progress);
    progress.finish();
    let built = match result {
        Ok(b) => b,
        Err(e) => return super::report_failure(e),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for b in &built {
        writeln!(out, "{}", store.print_path(&b.path))?;
    }
    out.flush()?;
    Ok(0)
}

/// Run `xnix build`.
pub fn run(args: BuildArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}
