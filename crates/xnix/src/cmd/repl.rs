//! `xnix repl`: an interactive Nix read-eval-print loop, as `nix repl` (Nix 2.8) behaves.
//!
//! Values print as `nix repl` prints them: derivations as `«derivation /…/x.drv»`, functions as
//! `«lambda @ file:line:col»` / `«primop»`, a `throw` or failed `assert` inside a printed value as
//! `«error: …»`, one level deep by default and fully with `:p`. Input that ends in the middle of an
//! expression continues on the next line. When standard input is not a terminal the prompt and the
//! line read are echoed, as `nix repl` does, so a piped session reads like an interactive one.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::rc::Rc;

use clap::Args;
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use xnix_eval::{with_big_stack, Attr, Attrs, ErrorKind, EvalError, Evaluator, Pos, Value};

use xnix_app::installable::{auto_args, new_evaluator};
use xnix_app::instantiate::parse_drv;
use xnix_app::realise::{find_build_log, realise};
use xnix_app::AppError;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix repl
  xnix repl ./default.nix        (its attributes become variables)
  xnix repl '<xnixpkgs>'         (the package collection: try `hello`, `:b hello`)
  xnix repl -f '<xnixpkgs>'      (the same, as current Nix's `nix repl --file`)
  xnix repl -I nixpkgs=/src/nixpkgs
  xnix repl ./default.nix --argstr system aarch64-linux

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
    /// A file to load at start, as a positional FILE (`-f '<xnixpkgs>'`, as current Nix's
    /// `nix repl --file`); repeatable.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<String>,
    /// Add a search path entry: PATH or NAME=PATH (for `<NAME>` lookups).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Pass NAME = EXPR to loaded files that are functions.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STRING" to loaded files that are functions.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// Show the full chain of contexts of errors (toggle inside with `:st`).
    #[arg(long)]
    pub show_trace: bool,
}

const HELP: &str = "\
The following commands are available:

  <expr>        Evaluate an expression and print its value (one level deep)
  <x> = <expr>  Define a variable (evaluated when first used)
  :a <expr>     Add the attributes of a set to the variables
  :b <expr>     Build a derivation and list its outputs
  :e <expr>     Show the file a function, package or path comes from in $EDITOR
  :l <path>     Load a file (or <name>) and add its attributes to the variables
  :log <expr>   Print the build log of a derivation
  :p <expr>     Evaluate and print a value completely
  :q            Leave the REPL
  :r            Load the loaded files again (variables defined here are dropped)
  :st [bool]    Show error traces: true, false, or toggle
  :t <expr>     Print the type of a value
  :?, :help     Print this help

Not supported by xnix (nix repl has them):
  :i <expr>     Install into a profile: xnix has no profiles (use :b or `xnix build`)
  :lf <ref>     Load a flake: xnix has no flakes
  :s, :u <expr> Start a nix-shell: xnix has no nix-shell
  :doc <expr>   Documentation of builtins: not available";

/// The prompt, and the one continuing an incomplete expression (as wide, blank).
const PROMPT: &str = "nix-repl> ";
const CONTINUATION: &str = "          ";

/// ANSI styles `nix repl` uses for values.
const CYAN: &str = "\x1b[36;1m";
const MAGENTA: &str = "\x1b[35;1m";
const GREEN: &str = "\x1b[32;1m";
const BLUE: &str = "\x1b[34;1m";
const RED: &str = "\x1b[31;1m";
const NORMAL: &str = "\x1b[0m";

/// What became of one complete input.
enum Outcome {
    /// Keep reading.
    Continue,
    /// The input is an unfinished expression: read another line and try again.
    Incomplete,
    /// `:q`.
    Quit,
}

/// An error while running a command: the evaluator's, or another with its message.
enum CmdError {
    Eval(EvalError),
    Other(String),
    /// Already printed (a failed build reports its own errors).
    Reported,
}

impl From<EvalError> for CmdError {
    fn from(e: EvalError) -> Self {
        CmdError::Eval(e)
    }
}

/// The REPL's state: the evaluator and the variables defined so far.
struct Repl {
    ev: RefCell<Rc<Evaluator>>,
    scope: RefCell<Vec<Attr>>,
    /// Files loaded (from the command line or `:l`), as written, for `:r`.
    loaded: RefCell<Vec<String>>,
    include: Vec<String>,
    /// `--arg` and `--argstr` pairs, for loaded files that are functions.
    auto_arg: Vec<(String, String)>,
    auto_argstr: Vec<(String, String)>,
    store: StoreOpts,
    cwd: String,
    show_trace: Cell<bool>,
    /// Whether values are printed with colours (stdout is a terminal and NO_COLOR is unset).
    color: bool,
}

impl Repl {
    fn ev(&self) -> Rc<Evaluator> {
        self.ev.borrow().clone()
    }

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

    /// Parse `src` in the REPL's scope; the result is unevaluated.
    fn parse(&self, src: &str) -> Result<Value, EvalError> {
        self.ev()
            .thunk_in_scope(src, "«string»", &self.cwd, &self.scope_attrs())
    }

    fn eval(&self, src: &str) -> Result<Value, EvalError> {
        let v = self.parse(src)?;
        self.ev().force(v)
    }

    /// Add every attribute of the set `v` to the scope; prints `Added N variables.`.
    fn add_attrs(&self, v: Value) -> Result<(), EvalError> {
        let a = self.ev().force_attrs(v, Pos::NONE)?;
        for attr in &a.entries {
            self.add_var(&attr.name, attr.value.clone());
        }
        self.notice(&format!("Added {} variables.", a.len()));
        Ok(())
    }

    /// Load a file, or a search path entry written `<name>` (as `:l <xnixpkgs>`), calling it
    /// with defaults if it is a function, and add its attributes to the scope.
    fn load(&self, path: &str) -> Result<(), EvalError> {
        {
            let mut loaded = self.loaded.borrow_mut();
            loaded.retain(|p| p != path);
            loaded.push(path.to_string());
        }
        let ev = self.ev();
        if xnix_app::flake::is_installable(path) {
            let v = xnix_app::flake::eval_for_repl(&ev, path)?;
            return self.add_attrs(v);
        }
        let file = match path.strip_prefix('<').and_then(|p| p.strip_suffix('>')) {
            Some(name) => ev.find_file(name, Pos::NONE)?,
            None if path.starts_with('/') => path.to_string(),
            None => format!("{}/{}", self.cwd, path),
        };
        let v = ev.eval_file(&file)?;
        let auto = auto_args(&ev, &self.auto_arg, &self.auto_argstr, &self.cwd)?;
        let v = ev.auto_call(v, &auto)?;
        self.add_attrs(v)
    }

    /// Load the loaded files again, each announced, separated by blank lines.
    fn load_all(&self) {
        let files = std::mem::take(&mut *self.loaded.borrow_mut());
        for (i, f) in files.iter().enumerate() {
            if i > 0 {
                self.notice("");
            }
            self.notice(&format!("Loading '{f}'..."));
            if let Err(e) = self.load(f) {
                self.report(&CmdError::Eval(e));
            }
        }
    }

    /// `:r`: a fresh evaluator (so changed files are read again) and only the files' variables.
    fn reload(&self) {
        *self.ev.borrow_mut() = repl_evaluator(&self.store, &self.include);
        self.scope.borrow_mut().clear();
        self.load_all();
    }

    fn say(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// A message about the session rather than a result: on stderr, as `nix repl` has them.
    fn notice(&self, line: &str) {
        let _ = std::io::stdout().flush();
        eprintln!("{line}");
    }

    fn report(&self, e: &CmdError) {
        let _ = std::io::stdout().flush();
        match e {
            CmdError::Eval(e) => {
                eprintln!("{}", self.ev().format_error(e, self.show_trace.get()))
            }
            CmdError::Other(msg) => eprintln!("error: {msg}"),
            CmdError::Reported => {}
        }
    }

    fn paint(&self, out: &mut String, style: &str, text: &str) {
        if self.color {
            out.push_str(style);
            out.push_str(text);
            out.push_str(NORMAL);
        } else {
            out.push_str(text);
        }
    }

    /// Print `v` into `out` as `nix repl` does, `depth` levels of sets and lists deep. `slot`
    /// identifies where the value was stored (its thunk), so a value reached twice prints as
    /// `«repeated»` the second time; the top value is a fresh copy and has none. A `throw` or
    /// failed `assert` inside prints as `«error: …»`; other errors end the printing (what was
    /// printed so far stays in `out`).
    fn print_value(
        &self,
        out: &mut String,
        v: &Value,
        depth: usize,
        seen: &mut HashSet<usize>,
    ) -> Result<(), EvalError> {
        let ev = self.ev();
        let id = identity(v);
        let v = ev.force(v.clone())?;
        match &v {
            Value::Null => self.paint(out, CYAN, "null"),
            Value::Bool(b) => self.paint(out, CYAN, if *b { "true" } else { "false" }),
            Value::Int(i) => self.paint(out, CYAN, &i.to_string()),
            Value::Float(f) => out.push_str(&xnix_eval::fmt_float(*f)),
            Value::String(s) => self.paint(out, MAGENTA, &xnix_eval::escape_string(&s.s)),
            Value::Path(p) => self.paint(out, GREEN, p),
            Value::Attrs(a) => {
                seen.extend(id);
                // The evaluator may store a variable's forced value directly where Nix shares
                // the variable's slot: the set itself counts as seen too.
                seen.extend(identity(&v));
                if ev.is_derivation(a)? {
                    out.push_str("«derivation ");
                    match a.get("drvPath") {
                        Some(p) => {
                            let p = ev.force_string_v(p.clone(), Pos::NONE)?;
                            out.push_str(&p.s);
                        }
                        None => out.push_str("???"),
                    }
                    out.push('»');
                } else if depth > 0 {
                    out.push_str("{ ");
                    for attr in &a.entries {
                        if is_var_name(&attr.name) {
                            out.push_str(&attr.name);
                        } else {
                            out.push_str(&xnix_eval::escape_string(&attr.name));
                        }
                        out.push_str(" = ");
                        self.print_child(out, &attr.value, depth - 1, seen)?;
                        out.push_str("; ");
                    }
                    out.push('}');
                } else {
                    out.push_str("{ ... }");
                }
            }
            Value::List(l) => {
                seen.extend(id);
                seen.extend(identity(&v));
                out.push_str("[ ");
                if depth > 0 {
                    for x in l.iter() {
                        self.print_child(out, x, depth - 1, seen)?;
                        out.push(' ');
                    }
                } else {
                    out.push_str("... ");
                }
                out.push(']');
            }
            Value::Lambda(c) => {
                let pos = ev.pos_text(c.def.pos);
                self.paint(out, BLUE, &format!("«lambda @ {pos}»"));
            }
            Value::PrimOp(_) => self.paint(out, MAGENTA, "«primop»"),
            Value::PrimOpApp(_) => self.paint(out, BLUE, "«primop-app»"),
            Value::Thunk(_) => out.push_str("«thunk»"),
        }
        Ok(())
    }

    fn print_child(
        &self,
        out: &mut String,
        v: &Value,
        depth: usize,
        seen: &mut HashSet<usize>,
    ) -> Result<(), EvalError> {
        if identity(v).is_some_and(|id| seen.contains(&id)) {
            out.push_str("«repeated»");
            return Ok(());
        }
        let mut inner = String::new();
        match self.print_value(&mut inner, v, depth, seen) {
            Ok(()) => out.push_str(&inner),
            Err(e) if matches!(e.kind(), ErrorKind::Throw | ErrorKind::Assert) => {
                let msg = self.ev().format_error(&e, self.show_trace.get());
                let msg = if self.color {
                    msg.replacen("error:", &format!("{RED}error:{NORMAL}"), 1)
                } else {
                    msg
                };
                self.paint(out, RED, &format!("«error: {msg}»"));
            }
            Err(e) => {
                out.push_str(&inner);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Evaluate and print `src` `depth` levels deep; on an error what was printed stays on the
    /// line, as in `nix repl`.
    fn eval_and_print(&self, src: &str, depth: usize) -> Result<(), CmdError> {
        let v = self.eval(src)?;
        let mut out = String::new();
        let r = self.print_value(&mut out, &v, depth, &mut HashSet::new());
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.as_bytes());
        if r.is_ok() {
            let _ = stdout.write_all(b"\n");
        }
        let _ = stdout.flush();
        r.map_err(CmdError::Eval)
    }

    /// The `.drv` path of the derivation `src` evaluates to (for `:b` and `:log`).
    fn drv_path(&self, src: &str) -> Result<String, CmdError> {
        let ev = self.ev();
        let v = self.eval(src)?;
        let not_drv = || {
            CmdError::Other(
                "expression does not evaluate to a derivation, so I can't build it".into(),
            )
        };
        let Value::Attrs(a) = &v else {
            return Err(not_drv());
        };
        if !ev.is_derivation(a)? {
            return Err(not_drv());
        }
        match a.get("drvPath") {
            Some(p) => Ok(ev.force_string_v(p.clone(), Pos::NONE)?.s.clone()),
            None => Err(not_drv()),
        }
    }

    /// `:b`: write the derivation to the store, build it and list its outputs.
    fn build(&self, src: &str) -> Result<(), CmdError> {
        let ev = self.ev();
        let drv_path = self.drv_path(src)?;
        let other = |e: anyhow::Error| CmdError::Other(format!("{e:#}"));
        let store = self.store.open().map_err(other)?;
        let progress = super::progress::Progress::new(store.store_dir().clone(), false);
        xnix_app::objects::write_to_store(&ev, &store, &progress).map_err(other)?;
        let drv = parse_drv(&store, &drv_path).map_err(other)?;
        let options = self.store.settings.build_options().map_err(other)?;
        let result = realise(&store, std::slice::from_ref(&drv), &options, &progress);
        progress.finish();
        let realised = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = super::report_failure(AppError::Build(e));
                return Err(CmdError::Reported);
            }
        };
        let mut text = String::from("\nThis derivation produced the following outputs:\n");
        for (name, path) in realised.outputs.get(&drv).into_iter().flatten() {
            text.push_str(&format!("  {name} -> {}\n", store.print_path(path)));
        }
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        Ok(())
    }

    /// `:log`: the build log of the derivation, from this store.
    fn show_log(&self, src: &str) -> Result<(), CmdError> {
        let drv_path = self.drv_path(src)?;
        let other = |e: anyhow::Error| CmdError::Other(format!("{e:#}"));
        let store = self.store.open().map_err(other)?;
        let drv = parse_drv(&store, &drv_path).map_err(other)?;
        let log = find_build_log(&store, &drv)
            .map_err(|e| CmdError::Other(e.to_string()))?
            .filter(|l| l.exists());
        let Some(log) = log else {
            return Err(CmdError::Other(format!(
                "build log of '{drv_path}' is not available"
            )));
        };
        let bytes = std::fs::read(&log)
            .map_err(|e| CmdError::Other(format!("reading '{}': {e}", log.display())))?;
        self.notice(&format!(
            "got build log for '{drv_path}' from '{}'",
            log.display()
        ));
        // As nix repl: the log, then a line end of its own.
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&bytes);
        let _ = stdout.write_all(b"\n");
        let _ = stdout.flush();
        Ok(())
    }

    /// `:e`: open the file a value comes from in `$EDITOR` (default `cat`), at its line when
    /// the editor takes `+LINE`, then reload the loaded files as `nix repl` does.
    fn edit(&self, src: &str) -> Result<(), CmdError> {
        let ev = self.ev();
        let v = self.eval(src)?;
        let (file, line) = match &v {
            Value::Path(p) => (p.to_string(), 0),
            Value::String(s) => (s.s.clone(), 0),
            Value::Lambda(c) => match ev.pos_info(c.def.pos) {
                Some((file, line, _)) => (file, line),
                None => (String::new(), 0),
            },
            _ => {
                let no_pos = || {
                    CmdError::Other(format!(
                        "package '{src}' has no source location information"
                    ))
                };
                let Value::Attrs(a) = &v else {
                    return Err(no_pos());
                };
                let meta = match a.get("meta") {
                    Some(m) => ev.force_attrs(m.clone(), Pos::NONE)?,
                    None => return Err(no_pos()),
                };
                let position = match meta.get("position") {
                    Some(p) => ev.force_str(p.clone(), Pos::NONE)?,
                    None => return Err(no_pos()),
                };
                let (file, line) = position
                    .rsplit_once(':')
                    .and_then(|(f, l)| Some((f.to_string(), l.parse::<usize>().ok()?)))
                    .ok_or_else(|| {
                        CmdError::Other(format!(
                            "cannot parse meta.position attribute '{position}'"
                        ))
                    })?;
                (file, line)
            }
        };
        let editor = std::env::var("EDITOR").unwrap_or_else(|_| "cat".into());
        let mut words = editor.split_whitespace();
        let program = words.next().unwrap_or("cat").to_string();
        let mut args: Vec<String> = words.map(str::to_string).collect();
        if line > 0
            && ["emacs", "nano", "vim", "kak"]
                .iter()
                .any(|e| editor.contains(e))
        {
            args.push(format!("+{line}"));
        }
        args.push(file);
        let _ = std::io::stdout().flush();
        let status = std::process::Command::new(&program)
            .args(&args)
            .status()
            .map_err(|e| CmdError::Other(format!("cannot run the editor '{program}': {e}")))?;
        if !status.success() {
            return Err(CmdError::Other(format!(
                "program '{program}' failed with {status}"
            )));
        }
        self.reload();
        Ok(())
    }

    fn command(&self, cmd: &str, arg: &str) -> Result<Outcome, CmdError> {
        let unsupported = |what: &str| {
            Err(CmdError::Other(format!(
                "'{cmd}' is not supported by xnix: {what}; type :? for the commands"
            )))
        };
        match cmd {
            ":q" | ":quit" => return Ok(Outcome::Quit),
            ":?" | ":help" => self.say(HELP),
            ":a" | ":add" => {
                let v = self.eval(arg)?;
                self.add_attrs(v)?;
            }
            ":l" | ":load" => self.load(arg)?,
            ":r" | ":reload" => self.reload(),
            ":p" | ":print" => self.eval_and_print(arg, usize::MAX)?,
            ":t" => {
                let v = self.eval(arg)?;
                self.say(&Value::type_desc(&v));
            }
            ":b" => self.build(arg)?,
            ":st" | ":show-trace" => {
                let on = match arg {
                    "false" => false,
                    "true" => true,
                    "" => !self.show_trace.get(),
                    _ => {
                        return Err(CmdError::Other(format!(
                            "unexpected argument '{arg}' to {cmd}"
                        )))
                    }
                };
                self.show_trace.set(on);
                self.say(if on {
                    "showing error traces"
                } else {
                    "not showing error traces"
                });
            }
            ":e" | ":edit" => self.edit(arg)?,
            ":i" => return unsupported("there are no profiles; build with :b or `xnix build`"),
            ":lf" | ":load-flake" => return unsupported("there are no flakes"),
            ":s" | ":u" => return unsupported("there is no nix-shell"),
            ":doc" => return unsupported("builtins carry no documentation"),
            ":log" => self.show_log(arg)?,
            _ => return Err(CmdError::Other(format!("unknown command '{cmd}'"))),
        }
        Ok(Outcome::Continue)
    }

    /// Handle one complete input (possibly several lines).
    fn handle(&self, input: &str) -> Outcome {
        let line = input.trim();
        let result = if line.is_empty() {
            Ok(Outcome::Continue)
        } else if line.starts_with(':') {
            let (cmd, arg) = line
                .split_once(|c: char| c.is_ascii_whitespace())
                .unwrap_or((line, ""));
            self.command(cmd, arg.trim())
        } else if let Some((name, expr)) = split_binding(line) {
            self.parse(expr)
                .map(|v| {
                    self.add_var(name, v);
                    Outcome::Continue
                })
                .map_err(CmdError::Eval)
        } else {
            self.eval_and_print(line, 1).map(|()| Outcome::Continue)
        };
        let outcome = match result {
            Ok(o) => o,
            Err(CmdError::Eval(e))
                if e.kind() == ErrorKind::Parse
                    && e.message().contains("unexpected end of file") =>
            {
                return Outcome::Incomplete
            }
            Err(e) => {
                self.report(&e);
                Outcome::Continue
            }
        };
        if !matches!(outcome, Outcome::Quit) {
            self.say("");
        }
        outcome
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
            .chain(self.ev().global_names())
            .chain(["builtins".to_string()])
            .filter(|n| n.starts_with(word))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Where a value is stored, when that can be told: a thunk's own allocation.
fn identity(v: &Value) -> Option<usize> {
    match v {
        Value::Thunk(t) => Some(Rc::as_ptr(t) as usize),
        // Empty sets and lists may be shared by unrelated values.
        Value::Attrs(a) if !a.is_empty() => Some(Rc::as_ptr(a) as usize),
        Value::List(l) if !l.is_empty() => Some(Rc::as_ptr(l) as usize),
        _ => None,
    }
}

/// A name `nix repl` prints unquoted (and accepts on the left of `name = expr`).
fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-')
}

/// `name = expr` (but not `a == b`).
fn split_binding(line: &str) -> Option<(&str, &str)> {
    let (lhs, rhs) = line.split_once('=')?;
    if rhs.starts_with('=') {
        return None;
    }
    let name = lhs.trim();
    is_var_name(name).then_some((name, rhs))
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

/// Where input lines come from: the line editor on a terminal, or plain lines echoed after the
/// prompt otherwise.
enum Input {
    Editor(Box<Editor<ReplHelper, rustyline::history::DefaultHistory>>),
    Piped(std::io::StdinLock<'static>),
}

impl Input {
    /// The next line, `None` at end of input.
    fn read(&mut self, prompt: &str) -> Option<String> {
        match self {
            Input::Editor(rl) => loop {
                match rl.readline(prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = rl.add_history_entry(line.as_str());
                        }
                        return Some(line);
                    }
                    Err(ReadlineError::Interrupted) => continue,
                    Err(ReadlineError::Eof) => return None,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return None;
                    }
                }
            },
            Input::Piped(stdin) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(prompt.as_bytes());
                let _ = out.flush();
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => {
                        if line.ends_with('\n') {
                            line.pop();
                        }
                        let _ = writeln!(out, "{line}");
                        let _ = out.flush();
                        Some(line)
                    }
                }
            }
        }
    }
}

/// `NAME VALUE` arguments, as pairs.
fn pairs(flat: &[String]) -> Vec<(String, String)> {
    flat.chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect()
}

/// A fresh evaluator for the REPL, lent the store so that import from derivation
/// builds as it does in `xnix eval`. A store that cannot be lent (a bad setting) is
/// reported once; the REPL still evaluates, without building during evaluation.
fn repl_evaluator(store: &StoreOpts, include: &[String]) -> Rc<Evaluator> {
    let ev = Rc::new(new_evaluator(store.store_dir(), include));
    let lent = store
        .settings
        .build_options()
        .and_then(|options| super::lend_store_to(&ev, store, &options));
    if let Err(e) = lent {
        eprintln!("warning: import from derivation is unavailable in this REPL: {e:#}");
    }
    ev
}

fn run_inner(args: ReplArgs, store: StoreOpts) -> u8 {
    let ev = repl_evaluator(&store, &args.include);
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let repl = Rc::new(Repl {
        ev: RefCell::new(ev),
        scope: RefCell::new(Vec::new()),
        loaded: RefCell::new(args.files.iter().chain(&args.file).cloned().collect()),
        include: args.include.clone(),
        auto_arg: pairs(&args.arg),
        auto_argstr: pairs(&args.argstr),
        store,
        cwd,
        show_trace: Cell::new(args.show_trace),
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    });
    repl.notice("Welcome to xnix. Type :? for help.\n");
    if !args.files.is_empty() || !args.file.is_empty() {
        repl.load_all();
        repl.notice("");
    }
    let mut input = if std::io::stdin().is_terminal() {
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
        Input::Editor(Box::new(rl))
    } else {
        Input::Piped(std::io::stdin().lock())
    };
    let hist = history_file();
    if let (Input::Editor(rl), Some(h)) = (&mut input, &hist) {
        let _ = rl.load_history(h);
    }
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        let Some(line) = input.read(prompt) else {
            break;
        };
        pending.push_str(&line);
        pending.push('\n');
        match repl.handle(&pending) {
            Outcome::Incomplete => continue,
            Outcome::Quit => break,
            Outcome::Continue => pending.clear(),
        }
    }
    if let (Input::Editor(rl), Some(h)) = (&mut input, &hist) {
        let _ = rl.save_history(h);
    }
    0
}

/// Run `xnix repl`.
pub fn run(args: ReplArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    let store = opts.clone();
    let code = with_big_stack(move || run_inner(args, store));
    Ok(ExitCode::from(code))
}
