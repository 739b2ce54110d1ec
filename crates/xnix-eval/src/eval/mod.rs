//! The lazy evaluator. The `Evaluator` and its set-up (search path, source files, the
//! stack guard) live here; its methods are grouped by concern in one `impl` block per
//! submodule:
//!
//! - `import`: parsing, `import`, the search path and `<name>` lookups;
//! - `force`: thunks, deep forcing, forcing to an expected type;
//! - `expr`: the interpreter over the IR (variables, selection, conditions, sets, frames);
//! - `apply`: function application, automatic arguments, `-A` attribute paths;
//! - `operators`: arithmetic, `+`, comparison, equality and `//`;
//! - `coerce`: coercion to strings and paths.

mod apply;
mod coerce;
mod expr;
mod force;
mod import;
mod operators;
mod store_access;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{EvalError, Result};
use crate::value::*;

pub(crate) use force::type_error;
pub(crate) use import::read_source;
use import::split_search_entry;
pub(crate) use import::{io_msg, read_file_bytes, search_path_candidate};
pub use store_access::StoreAccess;

/// A source file the evaluator has parsed (for positions in messages).
pub struct SourceFile {
    /// The file name, or `«string»` for expressions given on the command line.
    pub name: String,
    /// Its text.
    pub text: Rc<str>,
}

thread_local! {
    static STACK_BOUNDS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Run `f` on a thread with a large stack so that deep (but finite) recursion in Nix code
/// works, and record the stack's extent so that runaway recursion becomes the error
/// `stack overflow (possible infinite recursion)` instead of a crash.
///
/// The stack is 1 GiB of address space (only what is touched becomes memory) unless the
/// process's address space is limited (`ulimit -v`, `prlimit --as`): then it takes an
/// eighth of the limit, so that the heap keeps the rest. If even that cannot be had, the
/// size is halved until a thread starts, and as a last resort `f` runs on the calling
/// thread with a conservative bound.
pub fn with_big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    const MOST: usize = 1 << 30;
    const LEAST: usize = 8 << 20;
    let mut size = match address_space_limit() {
        Some(limit) => (limit / 8).clamp(LEAST, MOST),
        None => MOST,
    };
    // `f` moves into the thread that starts; a failed start hands it back.
    let f = std::sync::Arc::new(std::sync::Mutex::new(Some(f)));
    loop {
        let job = f.clone();
        let started = std::thread::Builder::new().stack_size(size).spawn(move || {
            let f = job.lock().ok().and_then(|mut f| f.take());
            let f = f.expect("the evaluation job runs once");
            run_with_stack_bounds(size, f)
        });
        match started {
            Ok(thread) => {
                return thread
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            }
            Err(_) if size > LEAST => size /= 2,
            Err(_) => break,
        }
    }
    let f = f
        .lock()
        .ok()
        .and_then(|mut f| f.take())
        .expect("the evaluation job has not run");
    // The calling thread's stack: assume the smallest usual main-thread stack.
    run_with_stack_bounds(LEAST, f)
}

/// Runs `f` with the stack guard set for a stack of `size` bytes that begins here.
fn run_with_stack_bounds<R>(size: usize, f: impl FnOnce() -> R) -> R {
    let marker = 0u8;
    let base = &marker as *const u8 as usize;
    // Leave head room for the native code between checks (a quarter, at most 64 MiB).
    let head_room = (size / 4).min(64 << 20);
    let old = STACK_BOUNDS.with(|b| b.replace((base, size - head_room)));
    let result = f();
    STACK_BOUNDS.with(|b| b.set(old));
    result
}

/// The process's address-space limit (`RLIMIT_AS`) in bytes, if it has one.
fn address_space_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit structure, which `limit` is.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    usize::try_from(limit.rlim_cur).ok()
}

/// A Nix evaluator: the global environment, the search path, parsed files and the import cache.
pub struct Evaluator {
    pub(crate) files: RefCell<Vec<SourceFile>>,
    pub(crate) globals: Rc<Env>,
    pub(crate) global_names: HashMap<Sym, u32>,
    pub(crate) search_path: RefCell<Vec<(String, String)>>,
    /// Entries consulted after the search path and not listed in `builtins.nixPath`, as
    /// Nix's own `<nix/...>` files are: xnix's package collection as `<xnixpkgs>`.
    fallback_search_path: RefCell<Vec<(String, String)>>,
    /// Notices printed (once) the first time a fallback entry, by prefix, is used: `<nixpkgs>`
    /// meaning the bundled collection is worth saying, `<xnixpkgs>` is not.
    pub(crate) fallback_notices: RefCell<HashMap<String, String>>,
    pub(crate) import_cache: RefCell<HashMap<String, Value>>,
    /// The store lent by the program, for import from derivation (eval/store_access.rs).
    store_access: RefCell<Option<Rc<dyn StoreAccess>>>,
    pub(crate) store_paths: RefCell<HashMap<String, String>>,
    stack_base: usize,
    stack_limit: usize,
    cli_entries: Cell<usize>,
    pub(crate) nix_path_value: Rc<Thunk>,
    pub(crate) regex_cache: RefCell<HashMap<String, Rc<regex::bytes::Regex>>>,
    /// The store directory (`/nix/store`).
    pub store_dir: String,
    /// Derivations computed so far (for hashing derivations that depend on them).
    pub(crate) drv_cache: RefCell<crate::builtins::DrvCache>,
    /// Attribute names as string values, by symbol address: `mapAttrs` and friends pass the
    /// same few thousand names to their functions over and over (overlay stacks).
    name_strings: RefCell<HashMap<usize, Value, crate::value::FnvBuild>>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) type R<T> = Result<T>;

/// `file:line:column` of a byte offset in a source text, as Nix prints positions inside
/// messages; expressions that do not come from a file are `(string)`.
pub(crate) fn pos_text_in(name: &str, text: &str, offset: u32) -> String {
    let off = (offset as usize).min(text.len());
    let before = &text.as_bytes()[..off];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = off
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0)
        + 1;
    let file = if name.starts_with('«') {
        "(string)"
    } else {
        name
    };
    format!("{file}:{line}:{col}")
}

/// A set's attributes in the order Nix keeps them: by when their names were interned.
pub(crate) fn attrs_in_symbol_order(entries: &[Attr]) -> Vec<&Attr> {
    let mut v: Vec<&Attr> = entries.iter().collect();
    if v.windows(2).any(|w| w[0].name.seq() > w[1].name.seq()) {
        v.sort_by_key(|a| a.name.seq());
    }
    v
}

impl Evaluator {
    /// A new evaluator with the builtins and an empty search path (plus `NIX_PATH` entries),
    /// for the store directory `NIX_STORE_DIR` names, else `/nix/store` (as Nix).
    pub fn new() -> Evaluator {
        let store_dir = std::env::var("NIX_STORE_DIR").unwrap_or_else(|_| "/nix/store".to_string());
        Evaluator::with_store_dir(&store_dir)
    }

    /// A new evaluator whose store paths (`builtins.storeDir`, sources, derivations) live in
    /// `store_dir`.
    pub fn with_store_dir(store_dir: &str) -> Evaluator {
        let marker = 0u8;
        let here = &marker as *const u8 as usize;
        let (base, limit) = STACK_BOUNDS.with(|b| b.get());
        let (stack_base, stack_limit) = if base == 0 {
            (here, 6 << 20)
        } else {
            (base, limit)
        };
        let globals = Env::new(Vec::new(), None);
        let mut ev = Evaluator {
            files: RefCell::new(Vec::new()),
            globals,
            global_names: HashMap::new(),
            search_path: RefCell::new(Vec::new()),
            fallback_search_path: RefCell::new(Vec::new()),
            fallback_notices: RefCell::new(HashMap::new()),
            import_cache: RefCell::new(HashMap::new()),
            store_access: RefCell::new(None),
            store_paths: RefCell::new(HashMap::new()),
            stack_base,
            stack_limit,
            cli_entries: Cell::new(0),
            regex_cache: RefCell::new(HashMap::new()),
            nix_path_value: Rc::new(Thunk::new(ThunkState::Done(Value::Null))),
            store_dir: store_dir.to_string(),
            drv_cache: RefCell::new(Default::default()),
            name_strings: RefCell::new(HashMap::default()),
        };
        if let Ok(p) = std::env::var("NIX_PATH") {
            for entry in p.split(':').filter(|s| !s.is_empty()) {
                ev.add_search_path_late(entry);
            }
        }
        crate::builtins::install(&mut ev);
        ev
    }

    /// Add a search path entry `PATH` or `NAME=PATH` (as `-I` does); entries added first win.
    pub fn add_search_path(&self, spec: &str) {
        // -I entries come before NIX_PATH entries.
        let (prefix, path) = split_search_entry(spec);
        let mut sp = self.search_path.borrow_mut();
        sp.insert(self.cli_entries.get(), (prefix, path));
        self.cli_entries.set(self.cli_entries.get() + 1);
        drop(sp);
        crate::builtins::refresh_nix_path(self);
    }

    fn add_search_path_late(&mut self, spec: &str) {
        let (prefix, path) = split_search_entry(spec);
        self.search_path.borrow_mut().push((prefix, path));
    }

    /// The search path as (prefix, path) pairs.
    pub fn search_path(&self) -> Vec<(String, String)> {
        self.search_path.borrow().clone()
    }

    pub(crate) fn add_file(&self, name: String, text: Rc<str>) -> u32 {
        let mut f = self.files.borrow_mut();
        f.push(SourceFile { name, text });
        (f.len() - 1) as u32
    }

    /// The file table entry for a position: (file name, line, column), 1-based.
    /// A position as Nix writes one inside a message: `file:line:column`, with `(string)`
    /// for expressions not read from a file, or `undefined position`.
    pub fn pos_text(&self, pos: Pos) -> String {
        if !pos.is_some() {
            return "undefined position".to_string();
        }
        let files = self.files.borrow();
        match files.get(pos.file as usize) {
            Some(f) => pos_text_in(&f.name, &f.text, pos.offset),
            None => "undefined position".to_string(),
        }
    }

    /// The file name, line and column (both from 1) of a position, if it has one.
    pub fn pos_info(&self, pos: Pos) -> Option<(String, usize, usize)> {
        if !pos.is_some() {
            return None;
        }
        let files = self.files.borrow();
        let f = files.get(pos.file as usize)?;
        let off = (pos.offset as usize).min(f.text.len());
        let before = &f.text[..off];
        let line = before.matches('\n').count() + 1;
        let col = off - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
        Some((f.name.clone(), line, col))
    }

    #[inline]
    pub(crate) fn check_stack(&self, pos: Pos) -> R<()> {
        let marker = 0u8;
        let here = &marker as *const u8 as usize;
        if self.stack_base.saturating_sub(here) > self.stack_limit {
            return Err(EvalError::msg(
                "stack overflow (possible infinite recursion)",
                pos,
            ));
        }
        Ok(())
    }

    /// The global environment (builtins), for evaluating parsed expressions.
    pub fn global_env(&self) -> Rc<Env> {
        self.globals.clone()
    }

    /// Parse `src` with the attributes of `scope` as extra variables (innermost, shadowing the
    /// builtins) and return it as an unevaluated value (as the REPL does for its bindings).
    pub fn thunk_in_scope(&self, src: &str, name: &str, base_dir: &str, scope: &Attrs) -> R<Value> {
        let names: HashMap<Sym, u32> = scope
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i as u32))
            .collect();
        let vals = scope.entries.iter().map(|e| e.value.clone()).collect();
        let expr = self.parse_with_scope(src, name, base_dir, Some(names))?;
        let env = Env::new(vals, Some(self.globals.clone()));
        Ok(Thunk::value(ThunkState::Expr(expr, env)))
    }

    /// Names of the global variables (builtins reachable without `builtins.`).
    pub fn global_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.global_names.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    }
}
