//! `xnix repl`: an interactive Nix read-eval-print loop, as `nix repl`.

use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;

use clap::Args;
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use xnix_eval::{with_big_stack, Attr, Attrs, EvalError, Evaluator, Pos, Value};

const EXAMPLES: &str = "\
Examples:
  xnix repl
  xnix repl ./default.nix        (its attributes become variables)
  xnix repl -I nixpkgs=/src/nixpkgs

Inside the REPL:
  nix-repl> x = 1 + 2
  nix-repl> { a = x; }.a
  nix-repl> :p builtins.map (y: y * x) [ 1 2 ]
  nix-repl> :t x
  nix-repl> :q";

/// Arguments of `xnix repl`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct ReplArgs {
    /// Files whose attributes are loaded as variables at start (as `:l FILE`).
    pub files: Vec<String>,
    /// Add a search path entry: PATH or NAME=PATH (for `<NAME>` lookups).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
}

const HELP: &str = "\
The following commands are available:

  <expr>        Evaluate and print expression
  <x> = <expr>  Bind expression to variable
  :?, :help     Print this help
  :l <path>     Load Nix expression and add it to scope
  :p <expr>     Evaluate and print expression recursively
  :t <expr>     Describe result of evaluation
  :q, :quit     Exit the REPL";

/// The REPL's state: the evaluator and the variables defined so far.
struct Repl {
    ev: Rc<Evaluator>,
    scope: Rc<RefCell<Vec<Attr>>>,
    cwd: String,
}

impl Repl {
    fn scope_attrs(&self) -> Attrs {
        Attrs::from_unsorted(self.scope.borrow().clone())
    }

    fn add_var(&self, name: &str, value: Value) {
        let mut s = self.scope.borrow_mut();
        s.retain(|a| &*a.name != name);
        s.push(Attr {
            name: name.into(),
            value,
            pos: Pos::NONE,
        });
    }

    fn eval(&self, src: &str) -> Result<Value, EvalError> {
        let v = self
            .ev
            .thunk_in_scope(src, "«string»", &self.cwd, &self.scope_attrs())?;
        self.ev.force(v)
    }

    /// Load a file, or a search path entry written `<name>` (as `:l <xnixpkgs>`).
    fn load(&self, path: &str) -> Result<usize, EvalError> {
        let file = match path.strip_prefix('<').and_then(|p| p.strip_suffix('>')) {
            Some(name) => self.ev.find_file(name, Pos::NONE)?,
            None => path.to_string(),
        };
        let v = self.ev.eval_file(&file)?;
        let v = self.ev.auto_call(v, &Value::attrs(Attrs::default()))?;
        let a = self.ev.force_attrs(v, Pos::NONE)?;
        for attr in &a.entries {
            self.add_var(&attr.name, attr.value.clone());
        }
        Ok(a.len())
    }

    /// Print as `nix repl` does: the value and one level of attributes/list elements forced.
    fn print_shallow(&self, v: Value) -> Result<String, EvalError> {
        let v = self.ev.force(v)?;
        Ok(match &v {
            Value::Attrs(a) => {
                let mut out = String::from("{ ");
                for attr in &a.entries {
                    let x = self.ev.force(attr.value.clone())?;
                    out.push_str(&xnix_eval::print_attr_name(&attr.name));
                    out.push_str(" = ");
                    out.push_str(&nested(&x));
                    out.push_str("; ");
                }
                out.push('}');
                out
            }
            Value::List(l) => {
                let mut out = String::from("[ ");
                for x in l.iter() {
                    let x = self.ev.force(x.clone())?;
                    out.push_str(&nested(&x));
                    out.push(' ');
                }
                out.push(']');
                out
            }
            _ => xnix_eval::print_value(&v),
        })
    }

    /// Handle one input line; returns false to quit.
    fn handle(&self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() {
            return true;
        }
        let result: Result<Option<String>, EvalError> = (|| {
            if let Some(rest) = line.strip_prefix(':') {
                let (cmd, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                let arg = arg.trim();
                match cmd {
                    "q" | "quit" => return Ok(None),
                    "?" | "help" => return Ok(Some(HELP.to_string())),
                    "l" | "load" => {
                        let n = self.load(arg)?;
                        return Ok(Some(format!("Added {n} variables.")));
                    }
                    "p" | "print" => {
                        let v = self.eval(arg)?;
                        let v = self.ev.force_deep(v)?;
                        let s = match &v {
                            Value::String(s) => s.s.clone(),
                            v => xnix_eval::print_value(v),
                        };
                        return Ok(Some(s));
                    }
                    "t" | "type" => {
                        let v = self.eval(arg)?;
                        return Ok(Some(Value::type_desc(&v).to_string()));
                    }
                    _ => return Ok(Some(format!("unknown command ':{cmd}'; type :? for help"))),
                }
            }
            if let Some((name, expr)) = split_binding(line) {
                let v = self
                    .ev
                    .thunk_in_scope(expr, "«string»", &self.cwd, &self.scope_attrs())?;
                self.add_var(name, v);
                return Ok(Some(String::new()));
            }
            let v = self.eval(line)?;
            Ok(Some(self.print_shallow(v)?))
        })();
        match result {
            Ok(None) => false,
            Ok(Some(s)) => {
                if !s.is_empty() {
                    println!("{s}");
                }
                println!();
                true
            }
            Err(e) => {
                eprintln!("{}\n", self.ev.format_error(&e, false));
                true
            }
        }
    }

    /// Completion candidates for the word ending at the cursor.
    fn completions(&self, word: &str) -> Vec<String> {
        if let Some(dot) = word.rfind('.') {
            let (prefix, partial) = (&word[..dot], &word[dot + 1..]);
            let Ok(v) = self.eval(prefix) else {
                return Vec::new();
            };
            let Value::Attrs(a) = v else {
                return Vec::new();
            };
            return a
                .entries
                .iter()
                .filter(|e| e.name.starts_with(partial))
                .map(|e| format!("{prefix}.{}", e.name))
                .collect();
        }
        let mut out: Vec<String> = self
            .scope
            .borrow()
            .iter()
            .map(|a| a.name.to_string())
            .chain(self.ev.global_names())
            .chain(["builtins".to_string()])
            .filter(|n| n.starts_with(word))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

fn nested(v: &Value) -> String {
    match v {
        Value::Attrs(_) => "{ ... }".to_string(),
        Value::List(_) => "[ ... ]".to_string(),
        v => xnix_eval::print_value(v),
    }
}

/// `name = expr` (but not `a == b`).
fn split_binding(line: &str) -> Option<(&str, &str)> {
    let (lhs, rhs) = line.split_once('=')?;
    if rhs.starts_with('=') {
        return None;
    }
    let name = lhs.trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-') {
        return None;
    }
    Some((name, rhs.trim()))
}

struct ReplHelper {
    repl: Rc<Repl>,
}

impl Completer for ReplHelper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "_'-.".contains(c)))
            .map(|i| i + 1)
            .unwrap_or(0);
        Ok((start, self.repl.completions(&before[start..])))
    }
}
impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Validator for ReplHelper {}
impl Helper for ReplHelper {}

fn history_file() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })?;
    let dir = base.join("xnix");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("repl-history"))
}

fn run_inner(args: ReplArgs, store_dir: &str) -> u8 {
    let ev = Rc::new(super::new_evaluator(store_dir, &args.include));
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let repl = Rc::new(Repl {
        ev,
        scope: Rc::new(RefCell::new(Vec::new())),
        cwd,
    });
    println!("Welcome to xnix. Type :? for help.\n");
    for f in &args.files {
        match repl.load(f) {
            Ok(n) => println!("Added {n} variables.\n"),
            Err(e) => eprintln!("{}\n", repl.ev.format_error(&e, false)),
        }
    }
    // Tab completes the common prefix and lists the candidates, as `nix repl` does.
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: Editor<ReplHelper, rustyline::history::DefaultHistory> =
        match Editor::with_config(config) {
            Ok(rl) => rl,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return 1;
            }
        };
    rl.set_helper(Some(ReplHelper { repl: repl.clone() }));
    let hist = history_file();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    loop {
        match rl.readline("nix-repl> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                if !repl.handle(&line) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    if let Some(h) = &hist {
        let _ = rl.save_history(h);
    }
    0
}

/// Run `xnix repl`.
pub fn run(args: ReplArgs, opts: &super::StoreOpts) -> anyhow::Result<ExitCode> {
    let store_dir = opts.store_dir().to_string();
    let code = with_big_stack(move || run_inner(args, &store_dir));
    Ok(ExitCode::from(code))
}
