//! `xnix eval`: evaluate a Nix expression, as `nix-instantiate --eval`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use xnix_eval::{with_big_stack, EvalError, Evaluator, Pos, Value};

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
    pub source: super::instantiate::EvalSource,
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

/// Evaluate a FILE argument of eval, instantiate, build and run: a file name,
/// or `<NAME>` (as in `xnix build '<xnixpkgs>' -A hello`), which is looked up
/// in the search path (`-I`, `NIX_PATH`) as nix-build does.
pub fn eval_file_arg(ev: &Evaluator, input: &str) -> Result<Value, EvalError> {
    if input.len() > 2 && input.starts_with('<') && input.ends_with('>') {
        let file = ev.find_file(&input[1..input.len() - 1], Pos::NONE)?;
        ev.eval_file(&file)
    } else {
        ev.eval_file(input)
    }
}

/// Build the automatic arguments (`--arg`/`--argstr`) as an attribute set value.
pub fn auto_args(
    ev: &Evaluator,
    arg: &[String],
    argstr: &[String],
    cwd: &str,
) -> Result<Value, EvalError> {
    let mut entries = Vec::new();
    for pair in arg.chunks(2) {
        let e = ev.parse(&pair[1], "«string»", cwd)?;
        let v = xnix_eval::Thunk::value(xnix_eval::ThunkState::Expr(e, ev.global_env()));
        entries.push(xnix_eval::Attr {
            name: pair[0].as_str().into(),
            value: v,
            pos: Pos::NONE,
        });
    }
    for pair in argstr.chunks(2) {
        entries.push(xnix_eval::Attr {
            name: pair[0].as_str().into(),
            value: Value::str(pair[1].clone()),
            pos: Pos::NONE,
        });
    }
    Ok(Value::attrs(xnix_eval::Attrs::from_unsorted(entries)))
}

fn eval_one(
    ev: &Evaluator,
    args: &EvalArgs,
    root: Value,
    auto: &Value,
    out: &mut String,
) -> Result<(), EvalError> {
    // As nix-instantiate --eval: each step of an -A path calls a function it
    // meets (with defaults and the --arg values), but the value printed is
    // called only when --arg/--argstr were given (`{ }: 1` prints <LAMBDA>).
    let call_result = !(args.source.arg.is_empty() && args.source.argstr.is_empty());
    let v = root;
    let paths: Vec<String> = if args.source.attr.is_empty() {
        vec![String::new()]
    } else {
        args.source.attr.clone()
    };
    for path in paths {
        let mut cur = v.clone();
        cur = ev.select_attr_path(cur, &path, auto)?;
        if call_result {
            cur = ev.auto_call(cur, auto)?;
        }
        if args.json {
            let mut ctx = Vec::new();
            // Partial text stays in `out` on failure: Nix streams JSON and prints it too.
            ev.to_json_into(cur.clone(), Pos::NONE, true, &mut ctx, out)?;
            // nix-instantiate prints JSON without a trailing newline.
            std::mem::forget(cur);
            continue;
        } else {
            if args.strict {
                cur = ev.force_deep(cur)?;
            }
            out.push_str(&xnix_eval::print_value(&cur));
            // Values are left to the end of the process (see `run_inner`).
            std::mem::forget(cur);
        }
        out.push('\n');
    }
    std::mem::forget(v);
    Ok(())
}

fn run_inner(args: EvalArgs, store_dir: &str) -> u8 {
    let ev = super::new_evaluator(store_dir, &args.source.include);
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let result = (|| -> Result<(), EvalError> {
        let auto = auto_args(&ev, &args.source.arg, &args.source.argstr, &cwd)?;
        let inputs: Vec<String> = if args.source.args.is_empty() {
            if args.source.expr {
                vec![]
            } else {
                vec!["./default.nix".to_string()]
            }
        } else {
            args.source.args.clone()
        };
        for input in inputs {
            let cache_key = if !args.source.expr && super::flake::is_installable(&input) {
                let s = &args.source;
                let purpose = format!(
                    "eval\0{store_dir}\0strict={}\0json={}\0attr={:?}\0arg={:?}\0argstr={:?}",
                    args.strict, args.json, s.attr, s.arg, s.argstr
                );
                super::flake::cache_key(&ev, &input, &s.flake, &purpose)?
            } else {
                None
            };
            if let Some(text) = cache_key.as_deref().and_then(super::flake::cache_get) {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                let _ = lock.write_all(&xnix_eval::bytes::to_bytes(&text));
                let _ = lock.flush();
                continue;
            }
            let root = if args.source.expr {
                ev.eval_expr(&input, &cwd)?
            } else if input == "-" {
                // `-` reads the expression from standard input, as nix-instantiate does.
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                    EvalError::msg(format!("reading standard input: {e}"), Pos::NONE)
                })?;
                ev.eval_expr(&text, &cwd)?
            } else {
                super::flake::eval_arg(&ev, &input, &args.source.flake)?
            };
            let mut out = String::new();
            let r = eval_one(&ev, &args, root, &auto, &mut out);
            if let (Ok(()), Some(key)) = (&r, &cache_key) {
                super::flake::cache_put(key, &out);
            }
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let _ = lock.write_all(&xnix_eval::bytes::to_bytes(&out));
            let _ = lock.flush();
            r?;
        }
        Ok(())
    })();
    // Freeing every value one by one at exit only costs time: the process is ending.
    let code = match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", ev.format_error(&e, args.source.show_trace));
            1
        }
    };
    std::mem::forget(ev);
    code
}

/// Run `xnix eval`.
pub fn run(args: EvalArgs, opts: &super::StoreOpts) -> anyhow::Result<ExitCode> {
    let store_dir = opts.store_dir().to_string();
    let code = with_big_stack(move || run_inner(args, &store_dir));
    Ok(ExitCode::from(code))
}
