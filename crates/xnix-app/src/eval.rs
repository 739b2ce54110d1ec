//! `nix-instantiate --eval`: select the attribute paths of a root value and
//! print each result as Nix prints it (or as JSON).

use xnix_eval::{EvalError, Pos, Value};

use crate::Session;

/// How values are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// Evaluate the value fully before printing (attributes, list elements).
    pub strict: bool,
    /// Print JSON instead of Nix syntax.
    pub json: bool,
}

/// Select every attribute path of the request in `root`, and append each
/// value's printed form to `out` (a line each; JSON without a line end, as
/// nix-instantiate prints it). On an error, what was printed before it stays
/// in `out`: Nix streams its output and prints that part too.
pub fn print_selected(
    session: &Session,
    root: Value,
    auto: &Value,
    options: PrintOptions,
    out: &mut String,
) -> Result<(), EvalError> {
    let ev = session.evaluator();
    let request = session.request();
    // As nix-instantiate --eval: each step of an -A path calls a function it
    // meets (with defaults and the --arg values), but the value printed is
    // called only when --arg/--argstr were given (`{ }: 1` prints <LAMBDA>).
    let call_result = request.has_auto_args();
    for path in request.attr_paths_or_root() {
        let mut cur = ev.select_attr_path(root.clone(), &path, auto)?;
        if call_result {
            cur = ev.auto_call(cur, auto)?;
        }
        if options.json {
            let mut ctx = Vec::new();
            ev.to_json_into(cur.clone(), Pos::NONE, true, &mut ctx, out)?;
            // Values are left to the end of the process (see `Session::leak`).
            std::mem::forget(cur);
            continue;
        }
        if options.strict {
            cur = ev.force_deep(cur)?;
        }
        out.push_str(&xnix_eval::print_value(&cur));
        std::mem::forget(cur);
        out.push('\n');
    }
    std::mem::forget(root);
    Ok(())
}
