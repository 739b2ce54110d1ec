//! `xnix eval`: evaluate a Nix expression, as `nix-instantiate --eval`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use xnix_app::eval::{print_selected, PrintOptions};
use xnix_app::installable::DefaultInstallable;
use xnix_app::{with_big_stack, Session};

const EXAMPLES: &str = "\
Examples:
  xnix eval -E '1 + 2'
  xnix eval --strict -E 'builtins.map (x: x * x) [ 1 2 3 ]'
  xnix eval --json -E '{ a = [ 1 2 ]; b = \"x\"; }'
  xnix eval ./default.nix -A hello.name --argstr system aarch64-linux
  xnix eval -I nixpkgs=/src/nixpkgs -E '(import <nixpkgs> {}).lib.version'

The output is exactly what `nix-instantiate --eval` prints for the same arguments.";

/// Arguments of `xnix eval`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct EvalArgs {
    /// What to evaluate: files or -E expressions, -A paths, --arg/--argstr, -I, --show-trace.
    #[command(flatten)]
    pub source: super::EvalSource,
    /// Evaluate the result fully before printing (attributes and list elements too).
    #[arg(long)]
    pub strict: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Accepted for compatibility with nix-instantiate; evaluation is always what xnix does.
    #[arg(long = "eval", hide = true)]
    pub eval: bool,
}

fn run_inner(args: EvalArgs, opts: super::StoreOpts) -> anyhow::Result<u8> {
    let store_dir = opts.store_dir();
    let request = args
        .source
        .request(DefaultInstallable::CurrentDirectory, &opts);
    let session = Session::new(store_dir, request)?;
    super::lend_store(&session, &opts, &opts.settings.build_options()?)?;
    let options = PrintOptions {
        strict: args.strict,
        json: args.json,
    };
    let result = (|| {
        // One flake installable: the evaluation cache may know what it prints.
        let purpose = format!(
            "eval\0{store_dir}\0strict={}\0json={}",
            args.strict, args.json
        );
        let cache_key = xnix_app::flake::request_cache_key(&session, &purpose)?;
        if let Some(text) = cache_key.as_deref().and_then(xnix_app::flake::cache_get) {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&xnix_eval::bytes::to_bytes(&text));
            let _ = stdout.flush();
            return Ok(());
        }
        let auto = session.auto_args()?;
        session.for_each_root(|root| {
            let mut out = String::new();
            let r = print_selected(&session, root, &auto, options, &mut out);
            if let (Ok(()), Some(key)) = (&r, &cache_key) {
                xnix_app::flake::cache_put(key, &out);
            }
            // Each root's output is printed before the next is evaluated, and
            // what was printed before an error too, as nix-instantiate does.
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&xnix_eval::bytes::to_bytes(&out));
            let _ = stdout.flush();
            r
        })
    })();
    let code = match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", session.format_error(&e));
            1
        }
    };
    session.leak();
    Ok(code)
}

/// Run `xnix eval`.
pub fn run(args: EvalArgs, opts: &super::StoreOpts) -> anyhow::Result<ExitCode> {
    let opts = opts.clone();
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}
