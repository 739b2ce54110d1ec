//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{ErrorKind, EvalError, Result};
use crate::ir::*;
use crate::lower::{parse_error, Lowerer, Scope};
use crate::path::canon_path;
use crate::value::*;

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
pub fn with_big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    const SIZE: usize = 1 << 30;
    std::thread::Builder::new()
        .stack_size(SIZE)
        .spawn(move || {
            let marker = 0u8;
            let base = &marker as *const u8 as usize;
            // Leave generous head room for the native code between checks.
            STACK_BOUNDS.with(|b| b.set((base, SIZE - (64 << 20))));
            f()
        })
        .expect("spawning the evaluation thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
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
    pub(crate) import_cache: RefCell<HashMap<String, Value>>,
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
            import_cache: RefCell::new(HashMap::new()),
            store_paths: RefCell::new(HashMap::new()),
            stack_base,
            stack_limit,
            cli_entries: Cell::new(0),
            regex_cache: RefCell::new(HashMap::new()),
            nix_path_value: Rc::new(Thunk(RefCell::new(ThunkState::Done(Value::Null)))),
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

    /// Parse and lower source text; `name` names it in messages, `base_dir` resolves relative paths.
    pub fn parse(&self, text: &str, name: &str, base_dir: &str) -> R<Rc<Expr>> {
        self.parse_with_scope(text, name, base_dir, None)
    }

    pub(crate) fn parse_with_scope(
        &self,
        text: &str,
        name: &str,
        base_dir: &str,
        extra: Option<HashMap<Sym, u32>>,
    ) -> R<Rc<Expr>> {
        let text: Rc<str> = text.into();
        let file = self.add_file(name.to_string(), text.clone());
        let parsed = rnix::Root::parse(&text);
        if let Some(e) = parsed.errors().first() {
            return Err(parse_error(e, file, &text));
        }
        let mut scopes = vec![Scope::Names(self.global_names.clone())];
        if let Some(extra) = extra {
            scopes.push(Scope::Names(extra));
        }
        let mut l = Lowerer {
            file,
            file_name: name,
            text: &text,
            base_dir,
            scopes,
        };
        l.lower_root(parsed.tree())
    }

    /// Evaluate an expression given as text (relative paths resolve against `base_dir`), to WHNF.
    pub fn eval_expr(&self, src: &str, base_dir: &str) -> R<Value> {
        let e = self.parse(src, "«string»", base_dir)?;
        self.eval(&e, &self.globals.clone())
    }

    /// Evaluate a file (a directory means its `default.nix`), to WHNF. Results are cached per file.
    pub fn eval_file(&self, path: &str) -> R<Value> {
        let p = self.resolve_import_path(path, Pos::NONE)?;
        self.import_file(&p, Pos::NONE)
    }

    pub(crate) fn resolve_import_path(&self, path: &str, pos: Pos) -> R<String> {
        if crate::builtins::corepkg_source(path).is_some() {
            return Ok(path.to_string());
        }
        let mut p = if path.starts_with('/') {
            canon_path(path)
        } else {
            let cwd = std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            canon_path(&format!("{cwd}/{path}"))
        };
        if std::fs::symlink_metadata(&p).is_err() {
            if let Some(src) = self.unwritten_source(&p) {
                p = src;
            }
        }
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => p = format!("{}/default.nix", p.trim_end_matches('/')),
            Ok(_) => {}
            Err(e) => {
                return Err(EvalError::msg(
                    format!("getting status of '{p}': {}", io_msg(&e)),
                    pos,
                ))
            }
        }
        Ok(p)
    }

    /// Where a path inside a store path this evaluation computed but nobody wrote yet
    /// (a flake's `outPath`, copied lazily) lies on disk: importing `"${flake}/file.nix"`
    /// reads the source the store path will be copied from.
    fn unwritten_source(&self, path: &str) -> Option<String> {
        let cache = self.drv_cache.borrow();
        cache.objects.iter().find_map(|o| match o {
            crate::store::StoreObject::Source { src, path: sp, .. } => {
                let rest = path.strip_prefix(sp.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| format!("{src}{rest}"))
            }
            _ => None,
        })
    }

    pub(crate) fn import_file(&self, path: &str, pos: Pos) -> R<Value> {
        if let Some(v) = self.import_cache.borrow().get(path) {
            return self.force(v.clone());
        }
        let text = match crate::builtins::corepkg_source(path) {
            Some(src) => Ok(src.to_string()),
            None => std::fs::read_to_string(path),
        };
        let text = text
            .map_err(|e| EvalError::msg(format!("opening file '{path}': {}", io_msg(&e)), pos))?;
        let dir = crate::path::dir_of(path);
        let e = self.parse(&text, path, &dir)?;
        let v = Thunk::value(ThunkState::Expr(e, self.globals.clone()));
        self.import_cache
            .borrow_mut()
            .insert(path.to_string(), v.clone());
        self.force(v)
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

    // ---------------------------------------------------------------- forcing

    /// Force a value to weak head normal form.
    #[inline]
    pub fn force(&self, v: Value) -> R<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(&t),
            v => Ok(v),
        }
    }

    /// Force a value held by reference: an evaluated value (or an evaluated thunk's value)
    /// is cloned without touching the holder's reference count, which is the common case
    /// for variables and attribute values.
    #[inline]
    pub(crate) fn force_ref(&self, v: &Value) -> R<Value> {
        match v {
            Value::Thunk(t) => {
                if let ThunkState::Done(x) = &*t.0.borrow() {
                    return Ok(x.clone());
                }
                self.force_thunk(t)
            }
            v => Ok(v.clone()),
        }
    }

    fn force_thunk(&self, t: &Rc<Thunk>) -> R<Value> {
        {
            let b = t.0.borrow();
            match &*b {
                ThunkState::Done(v) => return Ok(v.clone()),
                ThunkState::Blackhole => {
                    return Err(EvalError::new(
                        ErrorKind::InfiniteRecursion,
                        "infinite recursion encountered",
                        Pos::NONE,
                    ))
                }
                _ => {}
            }
        }
        let state = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Blackhole);
        let r = match &state {
            ThunkState::Expr(e, env) => self.eval(e, env),
            ThunkState::Apply(f, x) => self
                .force(f.clone())
                .and_then(|f| self.apply(f, x.clone(), Pos::NONE)),
            ThunkState::Select(v, name) => self.select_attr(v.clone(), name, Pos::NONE),
            ThunkState::ApplyName(f, name, v) => self
                .force((**f).clone())
                .and_then(|f| self.apply2(f, self.name_string(name), v.clone(), Pos::NONE)),
            ThunkState::Native(f) => f(self),
            ThunkState::Blackhole | ThunkState::Done(_) => unreachable!(),
        };
        match r {
            Ok(v) => {
                let old = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Done(v.clone()));
                // Still the black hole put there above (forcing it again only reports
                // infinite recursion): it owns nothing, so dropping it is skipped.
                debug_assert!(matches!(old, ThunkState::Blackhole));
                std::mem::forget(old);
                Ok(v)
            }
            Err(e) => {
                *t.0.borrow_mut() = state;
                Err(e)
            }
        }
    }

    /// The string value of an attribute name, made once per name.
    pub(crate) fn name_string(&self, name: &Sym) -> Value {
        self.name_strings
            .borrow_mut()
            .entry(name.address())
            .or_insert_with(|| Value::str(&**name))
            .clone()
    }

    /// Whether a value is an unevaluated thunk.
    pub fn is_unforced(v: &Value) -> bool {
        match v {
            Value::Thunk(t) => !matches!(&*t.0.borrow(), ThunkState::Done(_)),
            _ => false,
        }
    }

    /// Force deeply (as `deepSeq` and `--strict`): every list element and attribute value.
    pub fn force_deep(&self, v: Value) -> R<Value> {
        let v = self.force(v)?;
        let mut seen = std::collections::HashSet::new();
        self.force_deep_inner(&v, &mut seen)?;
        Ok(v)
    }

    fn force_deep_inner(&self, v: &Value, seen: &mut std::collections::HashSet<usize>) -> R<()> {
        self.check_stack(Pos::NONE)?;
        match v {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as usize) {
                    return Ok(());
                }
                // Nix visits attributes in symbol order (see `Sym::seq`).
                for attr in attrs_in_symbol_order(&a.entries) {
                    let x = self.force(attr.value.clone()).map_err(|e| {
                        e.context(
                            attr.pos,
                            format!("while evaluating the attribute '{}'", attr.name),
                        )
                    })?;
                    self.force_deep_inner(&x, seen)?;
                }
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Ok(());
                }
                for x in l.iter() {
                    let x = self.force(x.clone())?;
                    self.force_deep_inner(&x, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    // ---------------------------------------------------------------- thunks

    /// A delayed value for `e` in `env`; constants and variables need no thunk.
    #[inline]
    pub(crate) fn thunk(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Lit(v) => v.clone(),
            Expr::Var { depth, index } => {
                shared_value(&env.up(*depth).vals.borrow()[*index as usize])
            }
            _ => Thunk::value(ThunkState::Expr(e.clone(), env.clone())),
        }
    }

    /// Evaluate integer arithmetic on already-evaluated operands right away instead of
    /// allocating a thunk (`f (n - 1)`). Only operands that are constants or variables holding
    /// evaluated integers qualify, so this can neither diverge nor have effects; anything
    /// else (including a type error) falls back to a thunk.
    #[inline]
    fn try_eager(&self, e: &Expr, env: &Rc<Env>) -> Option<Value> {
        let (op, a, b) = match e {
            Expr::BinOp(op @ (BinOp::Sub | BinOp::Mul), a, b, _) => (Some(*op), a, b),
            Expr::Add(a, b, _) => (None, a, b),
            _ => return None,
        };
        let x = self.known_int(a, env)?;
        let y = self.known_int(b, env)?;
        Some(Value::Int(match op {
            None => x.wrapping_add(y),
            Some(BinOp::Sub) => x.wrapping_sub(y),
            _ => x.wrapping_mul(y),
        }))
    }

    #[inline]
    fn known_int(&self, e: &Expr, env: &Rc<Env>) -> Option<i64> {
        match e {
            Expr::Lit(Value::Int(i)) => Some(*i),
            Expr::Var { depth, index } => match &env.up(*depth).vals.borrow()[*index as usize] {
                Value::Int(i) => Some(*i),
                Value::Thunk(t) => match &*t.0.borrow() {
                    ThunkState::Done(Value::Int(i)) => Some(*i),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// Like `thunk`, for a frame still being filled (`env` is the new frame).
    #[inline]
    fn thunk_in_new_frame(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Lit(v) => v.clone(),
            Expr::Var { depth, index } if *depth > 0 => {
                env.up(*depth).vals.borrow()[*index as usize].clone()
            }
            _ => Thunk::value(ThunkState::Expr(e.clone(), env.clone())),
        }
    }

    // ---------------------------------------------------------------- evaluation

    /// `eval` for an operand: a variable or constant (the usual operand of a selection, a
    /// call's function, an operator) is read right here instead of through a call to
    /// `eval`, whose entry and exit cost more than the read.
    #[inline(always)]
    fn eval_leaf(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        match e {
            Expr::Var { depth, index } => self.eval_var(*depth, *index, env),
            Expr::Lit(v) => Ok(v.clone()),
            _ => self.eval(e, env),
        }
    }

    /// The value of the variable in slot `index` of the frame `depth` levels up, forced.
    #[inline(always)]
    fn eval_var(&self, depth: u32, index: u32, env: &Rc<Env>) -> R<Value> {
        let vals = env.up(depth).vals.borrow();
        match &vals[index as usize] {
            Value::Thunk(t) => {
                if let ThunkState::Done(x) = &*t.0.borrow() {
                    return Ok(x.clone());
                }
                // Forcing may fill frames (not this one's slots, but borrow safely).
                let t = t.clone();
                drop(vals);
                self.force_thunk(&t)
            }
            v => Ok(v.clone()),
        }
    }

    /// Evaluate an expression in an environment to weak head normal form.
    pub fn eval(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        // The hot forms are handled here with a small stack frame; the rest in `eval_cold`.
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Var { depth, index } => self.eval_var(*depth, *index, env),
            Expr::Apply(f, x, pos) => match &**f {
                Expr::Apply(g, x1, pos1) => self.eval_apply2(g, (x1, *pos1), (x, *pos), env),
                _ => {
                    let fv = self.eval_leaf(f, env)?;
                    self.apply_to_expr(fv, x, env, *pos)
                }
            },
            Expr::If(c, t, f, pos) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Expr::BinOp(op, a, b, pos) => {
                if let (BinOp::Update, Expr::AttrSet(bind, _)) = (op, &**b) {
                    if !bind.recursive && bind.dynamics.is_empty() {
                        return self.update_with_literal(a, bind, env, *pos);
                    }
                }
                let av = self.eval_leaf(a, env)?;
                let bv = self.eval_leaf(b, env)?;
                if let (Value::Int(x), Value::Int(y)) = (&av, &bv) {
                    match op {
                        BinOp::Lt => return Ok(Value::Bool(x < y)),
                        BinOp::Le => return Ok(Value::Bool(x <= y)),
                        BinOp::Gt => return Ok(Value::Bool(x > y)),
                        BinOp::Ge => return Ok(Value::Bool(x >= y)),
                        BinOp::Eq => return Ok(Value::Bool(x == y)),
                        BinOp::NEq => return Ok(Value::Bool(x != y)),
                        BinOp::Sub => return Ok(Value::Int(x.wrapping_sub(*y))),
                        BinOp::Mul => return Ok(Value::Int(x.wrapping_mul(*y))),
                        _ => {}
                    }
                }
                // `x._type == "if"` and friends: strings compare by characters only.
                if let (Value::String(x), Value::String(y)) = (&av, &bv) {
                    match op {
                        BinOp::Eq => return Ok(Value::Bool(x.s == y.s)),
                        BinOp::NEq => return Ok(Value::Bool(x.s != y.s)),
                        _ => {}
                    }
                }
                self.binop(*op, av, bv, *pos)
            }
            Expr::Add(a, b, pos) => {
                let av = self.eval_leaf(a, env)?;
                let bv = self.eval_leaf(b, env)?;
                if let (Value::Int(x), Value::Int(y)) = (&av, &bv) {
                    return Ok(Value::Int(x.wrapping_add(*y)));
                }
                self.add(av, bv, *pos)
            }
            Expr::Lambda(d) => Ok(Value::Lambda(Rc::new(Closure {
                def: d.clone(),
                env: env.clone(),
            }))),
            // The most frequent form of all, one call level closer.
            Expr::Select(e, path, default, pos) => self.eval_select(e, path, default, *pos, env),
            _ => self.eval_cold(e, env),
        }
    }

    /// `g a b`: a two-argument builtin is called with both arguments directly, and a curried
    /// lambda `x: y: body` binds both without making the closure in between; neither
    /// intermediate value is observable.
    #[inline(never)]
    fn eval_apply2(
        &self,
        g: &Expr,
        (xa, pa): (&Rc<Expr>, Pos),
        (xb, pb): (&Rc<Expr>, Pos),
        env: &Rc<Env>,
    ) -> R<Value> {
        let gv = self.eval_leaf(g, env)?;
        match &gv {
            Value::PrimOp(op) if op.arity == 2 => {
                let a = self.thunk(xa, env);
                let b = self.thunk(xb, env);
                self.check_stack(pb)?;
                return (op.func)(self, &[a, b], pb);
            }
            Value::Lambda(c) => {
                if let (None, Expr::Lambda(inner)) = (&c.def.formals, &*c.def.body) {
                    let a = self.arg_value(&c.def, xa, env);
                    let b = self.arg_value(inner, xb, env);
                    self.check_stack(pb)?;
                    let frame = Env::one(a, Some(c.env.clone()));
                    return self.call_def(inner, &frame, b, pb);
                }
            }
            _ => {}
        }
        let fv = self.apply_to_expr(gv, xa, env, pa)?;
        self.apply_to_expr(fv, xb, env, pb)
    }

    /// The argument value for a call of `def`: computed right away when cheap and the
    /// lambda forces it anyway, delayed otherwise.
    #[inline(always)]
    fn arg_value(&self, def: &LambdaDef, x: &Rc<Expr>, env: &Rc<Env>) -> Value {
        if def.strict_arg {
            if let Some(v) = self.try_eager(x, env) {
                return v;
            }
        }
        self.thunk(x, env)
    }

    /// Apply an evaluated function to the delayed value of `x`.
    #[inline(always)]
    fn apply_to_expr(&self, fv: Value, x: &Rc<Expr>, env: &Rc<Env>, pos: Pos) -> R<Value> {
        // A cheap argument to a lambda that forces it anyway is computed right away.
        let eager = match &fv {
            Value::Lambda(c) if c.def.strict_arg => self.try_eager(x, env),
            _ => None,
        };
        let xv = match eager {
            Some(v) => v,
            None => self.thunk(x, env),
        };
        self.apply(fv, xv, pos)
    }

    /// `a // { n1 = e1; ... }` with a plain attribute set literal: its values go straight
    /// into the merged set, without building the literal's set first.
    #[inline(never)]
    fn update_with_literal(&self, a: &Expr, bind: &Bindings, env: &Rc<Env>, pos: Pos) -> R<Value> {
        let av = self.eval_leaf(a, env)?;
        let x = self.expect_attrs(av, pos)?;
        if bind.statics.is_empty() {
            return Ok(Value::Attrs(x));
        }
        // Statics of a set literal are sorted by name (the lowerer sorts them).
        let y: smallvec::SmallVec<[Attr; 4]> = bind
            .statics
            .iter()
            .map(|s| {
                let (AttrValue::Plain(e) | AttrValue::Inherited(e)) = &s.value;
                Attr {
                    name: s.name.clone(),
                    value: self.thunk(e, env),
                    pos: s.pos,
                }
            })
            .collect();
        Ok(Value::attrs(Attrs::new(merge_entries(&x.entries, &y))))
    }

    #[inline(never)]
    fn eval_select(
        &self,
        e: &Expr,
        path: &[AttrName],
        default: &Option<Rc<Expr>>,
        pos: Pos,
        env: &Rc<Env>,
    ) -> R<Value> {
        let mut v = self.eval_leaf(e, env)?;
        for n in path.iter() {
            // The usual case: a static name present in a set.
            if let (AttrName::Static(s, hint), Value::Attrs(a)) = (n, &v) {
                if let Some(x) = a.get_sym_hinted(s, &hint.0) {
                    v = self.force_ref(x)?;
                    continue;
                }
            }
            let name = self.attr_name(n, env)?;
            match &v {
                Value::Attrs(a) => match name.lookup(a) {
                    Some(x) => {
                        v = self.force_ref(x)?;
                    }
                    None => {
                        if let Some(d) = default {
                            return self.eval(d, env);
                        }
                        return Err(self.missing_attr(name.as_str(), a, pos));
                    }
                },
                _ => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return Err(type_error(&v, "a set", pos));
                }
            }
        }
        Ok(v)
    }

    #[inline(never)]
    fn eval_cold(&self, e: &Expr, env: &Rc<Env>) -> R<Value> {
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Var { depth, index } => {
                let v = env.up(*depth).vals.borrow()[*index as usize].clone();
                self.force(v)
            }
            Expr::WithVar {
                name,
                with_depths,
                hint,
                pos,
            } => {
                for d in with_depths.iter() {
                    let ns = env.up(*d).vals.borrow()[0].clone();
                    let a = self.force_attrs(ns, *pos)?;
                    if let Some(v) = a.get_sym_hinted(name, &hint.0) {
                        return self.force_ref(v);
                    }
                }
                Err(EvalError::msg(format!("undefined variable '{name}'"), *pos))
            }
            Expr::Select(e, path, default, pos) => self.eval_select(e, path, default, *pos, env),
            Expr::HasAttr(e, path) => {
                let mut v = self.eval_leaf(e, env)?;
                for (i, n) in path.iter().enumerate() {
                    let name = self.attr_name(n, env)?;
                    match &v {
                        Value::Attrs(a) => match name.lookup(a) {
                            // `a ? b.c` forces `a.b` but never the value of `a.b.c`.
                            Some(_) if i + 1 == path.len() => return Ok(Value::Bool(true)),
                            Some(x) => {
                                v = self.force_ref(x)?;
                            }
                            None => return Ok(Value::Bool(false)),
                        },
                        _ => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::AttrSet(b, _) => self.eval_attrset(b, env),
            Expr::Let(b, body) => {
                let frame = self.build_frame(b, env);
                self.eval(body, &frame)
            }
            Expr::List(items) => Ok(Value::list(
                items.iter().map(|i| self.thunk(i, env)).collect(),
            )),
            Expr::Lambda(d) => Ok(Value::Lambda(Rc::new(Closure {
                def: d.clone(),
                env: env.clone(),
            }))),
            Expr::Apply(f, x, pos) => {
                let fv = self.eval_leaf(f, env)?;
                let xv = self.thunk(x, env);
                self.apply(fv, xv, *pos)
            }
            Expr::With(ns, body) => {
                let frame = Env::one(self.thunk(ns, env), Some(env.clone()));
                self.eval(body, &frame)
            }
            Expr::If(c, t, f, pos) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Expr::Assert(c, body, pos, text) => {
                if self.eval_bool(c, env, *pos)? {
                    self.eval(body, env)
                } else {
                    Err(EvalError::new(
                        ErrorKind::Assert,
                        format!("assertion '{text}' failed"),
                        *pos,
                    ))
                }
            }
            Expr::And(a, b, pos) => Ok(Value::Bool(
                self.eval_bool(a, env, *pos)? && self.eval_bool(b, env, *pos)?,
            )),
            Expr::Or(a, b, pos) => Ok(Value::Bool(
                self.eval_bool(a, env, *pos)? || self.eval_bool(b, env, *pos)?,
            )),
            Expr::Impl(a, b, pos) => Ok(Value::Bool(
                !self.eval_bool(a, env, *pos)? || self.eval_bool(b, env, *pos)?,
            )),
            Expr::Not(a, pos) => Ok(Value::Bool(!self.eval_bool(a, env, *pos)?)),
            Expr::Neg(a, pos) => {
                let v = self.eval(a, env)?;
                self.arith(BinOp::Sub, Value::Int(0), v, *pos)
            }
            Expr::BinOp(op, a, b, pos) => {
                let av = self.eval(a, env)?;
                let bv = self.eval(b, env)?;
                self.binop(*op, av, bv, *pos)
            }
            Expr::Add(a, b, pos) => {
                let av = self.eval(a, env)?;
                let bv = self.eval(b, env)?;
                self.add(av, bv, *pos)
            }
            Expr::Str(parts, pos) => {
                // Room for the literal parts and short interpolations: growing from empty
                // reallocated twice, while a generous fixed size wastes memory on kept strings.
                let literal: usize = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Lit(t) => t.len(),
                        StrPart::Interp(_) => 8,
                    })
                    .sum();
                let mut s = String::with_capacity(literal);
                let mut ctx = Vec::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        StrPart::Interp(e) => {
                            let v = self.eval(e, env)?;
                            self.coerce_into(v, *pos, false, true, &mut s, &mut ctx)?;
                        }
                    }
                }
                Ok(Value::str_ctx(s, ctx))
            }
            Expr::Path(parts, pos) => {
                let mut s = String::new();
                let mut ctx = Vec::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        StrPart::Interp(e) => {
                            let v = self.eval(e, env)?;
                            self.coerce_into(v, *pos, false, false, &mut s, &mut ctx)?;
                        }
                    }
                }
                if !ctx.is_empty() {
                    return Err(EvalError::msg(
                        "a string that refers to a store path cannot be appended to a path",
                        *pos,
                    ));
                }
                Ok(Value::Path(canon_path(&s).into()))
            }
            Expr::CurPos(pos) => Ok(self.pos_value(*pos)),
        }
    }

    /// `{ file, line, column }` for a position, or null.
    pub(crate) fn pos_value(&self, pos: Pos) -> Value {
        let info = self.pos_info(pos).map(|(file, line, col)| {
            // Nix 2.8 reports the text itself as the "file" of a command-line expression.
            if file == "«string»" {
                let text = self.files.borrow()[pos.file as usize].text.to_string();
                (text, line, col)
            } else {
                (file, line, col)
            }
        });
        match info {
            None => Value::Null,
            Some((file, line, col)) => Value::attrs(Attrs::new(vec![
                Attr {
                    name: "column".into(),
                    value: Value::Int(col as i64),
                    pos: Pos::NONE,
                },
                Attr {
                    name: "file".into(),
                    value: Value::str(file),
                    pos: Pos::NONE,
                },
                Attr {
                    name: "line".into(),
                    value: Value::Int(line as i64),
                    pos: Pos::NONE,
                },
            ])),
        }
    }

    fn missing_attr(&self, name: &str, a: &Attrs, pos: Pos) -> EvalError {
        EvalError::msg(format!("attribute '{name}' missing"), pos)
            .suggest(name, a.entries.iter().map(|e| &*e.name))
    }

    fn eval_bool(&self, e: &Expr, env: &Rc<Env>, pos: Pos) -> R<bool> {
        // Comparisons, the usual conditions (`x._type or "" == "merge"`, `n < 2`, nixpkgs'
        // `isType`): decided here, without a call to `eval` and a `Value::Bool` returned
        // through memory. Operands are evaluated as `eval` does (left, then right), and all
        // but integers and equality of strings go through `binop` as there.
        if let Expr::BinOp(
            op @ (BinOp::Eq | BinOp::NEq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
            a,
            b,
            op_pos,
        ) = e
        {
            let av = self.eval_leaf(a, env)?;
            // A string literal on the right (`x._type or "" == "if"`) is compared in place.
            if let (Expr::Lit(Value::String(lit)), Value::String(x), BinOp::Eq | BinOp::NEq) =
                (&**b, &av, op)
            {
                return Ok((x.s == lit.s) == (*op == BinOp::Eq));
            }
            let bv = self.eval_leaf(b, env)?;
            match (&av, &bv) {
                (Value::Int(x), Value::Int(y)) => {
                    return Ok(match op {
                        BinOp::Eq => x == y,
                        BinOp::NEq => x != y,
                        BinOp::Lt => x < y,
                        BinOp::Le => x <= y,
                        BinOp::Gt => x > y,
                        _ => x >= y,
                    })
                }
                (Value::String(x), Value::String(y)) if matches!(op, BinOp::Eq | BinOp::NEq) => {
                    return Ok((x.s == y.s) == (*op == BinOp::Eq))
                }
                _ => {}
            }
            return match self.binop(*op, av, bv, *op_pos)? {
                Value::Bool(b) => Ok(b),
                v => Err(type_error(&v, "a Boolean", pos)),
            };
        }
        // Boolean operators, as `eval_cold` evaluates them, without a `Value::Bool` made
        // and taken apart again for each level.
        match e {
            Expr::And(a, b, op_pos) => {
                return Ok(self.eval_bool(a, env, *op_pos)? && self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Or(a, b, op_pos) => {
                return Ok(self.eval_bool(a, env, *op_pos)? || self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Impl(a, b, op_pos) => {
                return Ok(!self.eval_bool(a, env, *op_pos)? || self.eval_bool(b, env, *op_pos)?)
            }
            Expr::Not(a, op_pos) => return Ok(!self.eval_bool(a, env, *op_pos)?),
            _ => {}
        }
        match self.eval_leaf(e, env)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_error(&v, "a Boolean", pos)),
        }
    }

    fn attr_name(&self, n: &AttrName, env: &Rc<Env>) -> R<AttrKey> {
        match n {
            AttrName::Static(s, _) => Ok(AttrKey::Sym(s.clone())),
            AttrName::Dynamic(e) => {
                let v = self.eval(e, env)?;
                let name = self.force_string_v(v, Pos::NONE)?;
                if !name.ctx.is_empty() {
                    // Attribute names never refer to store paths; this runs the usual check.
                    self.force_str_no_ctx(Value::String(name.clone()), Pos::NONE)?;
                }
                Ok(AttrKey::Str(name))
            }
        }
    }

    fn build_frame(&self, b: &Bindings, env: &Rc<Env>) -> Rc<Env> {
        let frame = Env::empty(Some(env.clone()));
        // Built in place: a frame of up to two values then needs no buffer of its own.
        let mut vals = EnvVals::with_capacity(b.statics.len());
        for s in &b.statics {
            let v = match &s.value {
                AttrValue::Plain(e) => match &**e {
                    // A variable naming an earlier binding of this frame shares its value.
                    Expr::Var { depth: 0, index } if (*index as usize) < vals.len() => {
                        vals[*index as usize].clone()
                    }
                    _ => self.thunk_in_new_frame(e, &frame),
                },
                AttrValue::Inherited(e) => self.thunk(e, env),
            };
            vals.push(v);
        }
        *frame.vals.borrow_mut() = vals;
        frame
    }

    fn eval_attrset(&self, b: &Bindings, env: &Rc<Env>) -> R<Value> {
        let (mut entries, dyn_env) = if b.recursive {
            let frame = self.build_frame(b, env);
            let vals = frame.vals.borrow();
            let entries: Vec<Attr> = b
                .statics
                .iter()
                .zip(vals.iter())
                .map(|(s, v)| Attr {
                    name: s.name.clone(),
                    value: v.clone(),
                    pos: s.pos,
                })
                .collect();
            drop(vals);
            (entries, frame)
        } else {
            let entries: Vec<Attr> = b
                .statics
                .iter()
                .map(|s| {
                    let e = match &s.value {
                        AttrValue::Plain(e) | AttrValue::Inherited(e) => e,
                    };
                    Attr {
                        name: s.name.clone(),
                        value: self.thunk(e, env),
                        pos: s.pos,
                    }
                })
                .collect();
            (entries, env.clone())
        };
        if !b.dynamics.is_empty() {
            for d in &b.dynamics {
                let n = self.eval(&d.name, &dyn_env)?;
                if let Value::Null = n {
                    continue;
                }
                let name = self.force_string_v(n, d.pos)?;
                if !name.ctx.is_empty() {
                    return Err(EvalError::msg(
                        format!(
                            "the string '{}' is not allowed to refer to a store path (such as '{}')",
                            name.s, name.ctx[0]
                        ),
                        d.pos,
                    ));
                }
                let name: Sym = name.s.as_str().into();
                match entries.binary_search_by(|a| a.name.cmp(&name)) {
                    Ok(i) => {
                        return Err(EvalError::msg(
                            format!(
                                "dynamic attribute '{name}' already defined at {}",
                                self.pos_text(entries[i].pos)
                            ),
                            d.pos,
                        ))
                    }
                    Err(i) => entries.insert(
                        i,
                        Attr {
                            name,
                            value: self.thunk(&d.value, &dyn_env),
                            pos: d.pos,
                        },
                    ),
                }
            }
        }
        Ok(Value::attrs(Attrs::new(entries)))
    }

    // ---------------------------------------------------------------- application

    /// Apply a function (forced) to an argument (possibly unforced).
    pub fn apply(&self, f: Value, arg: Value, pos: Pos) -> R<Value> {
        self.check_stack(pos)?;
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, pos),
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    (op.func)(self, &[arg], pos)
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op,
                        args: vec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                if app.args.len() + 1 == app.op.arity {
                    // The complete argument list lives on the stack for the call.
                    let mut args: smallvec::SmallVec<[Value; 4]> =
                        app.args.iter().cloned().collect();
                    args.push(arg);
                    (app.op.func)(self, &args, pos)
                } else {
                    let mut args = Vec::with_capacity(app.args.len() + 1);
                    args.extend(app.args.iter().cloned());
                    args.push(arg);
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op: app.op.clone(),
                        args,
                    })))
                }
            }
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let functor = self.force(a.get("__functor").cloned().unwrap_or(Value::Null))?;
                let g = self.apply(functor, Value::Attrs(a), pos)?;
                self.apply(g, arg, pos)
            }
            other => Err(EvalError::msg(
                format!(
                    "attempt to call something which is not a function but {}",
                    other.type_desc()
                ),
                pos,
            )),
        }
    }

    /// Apply a forced function to two arguments; a two-argument builtin is called directly.
    #[inline]
    pub fn apply2(&self, f: Value, a: Value, b: Value, pos: Pos) -> R<Value> {
        if let Value::PrimOp(op) = &f {
            if op.arity == 2 {
                return (op.func)(self, &[a, b], pos);
            }
        }
        // `x: y: body` (mapAttrs, foldl', overlays): bind both arguments without making the
        // intermediate closure.
        if let Value::Lambda(c) = &f {
            if let (None, Expr::Lambda(inner)) = (&c.def.formals, &*c.def.body) {
                self.check_stack(pos)?;
                let env = Env::one(a, Some(c.env.clone()));
                return self.call_def(inner, &env, b, pos);
            }
        }
        let g = self.apply(f, a, pos)?;
        self.apply(g, b, pos)
    }

    /// Apply a value (forcing it first) to several arguments.
    pub fn call(&self, f: &Value, args: &[Value], pos: Pos) -> R<Value> {
        let mut v = self.force(f.clone())?;
        for a in args {
            v = self.apply(v, a.clone(), pos)?;
        }
        Ok(v)
    }

    fn lambda_desc(&self, def: &LambdaDef) -> String {
        let at = if def.pos.is_some() {
            format!(" at {}", self.pos_text(def.pos))
        } else {
            String::new()
        };
        match &def.name {
            Some(n) => format!("'{n}'{at}"),
            None => format!("anonymous function{at}"),
        }
    }

    fn call_lambda(&self, c: &Closure, arg: Value, pos: Pos) -> R<Value> {
        self.call_def(&c.def, &c.env, arg, pos)
    }

    /// Call the lambda `def` closed over `parent` (no closure needed). Inlined into both
    /// callers: an extra call level on every lambda call cost fib.nix 2% more instructions.
    #[inline(always)]
    fn call_def(&self, def: &LambdaDef, parent: &Rc<Env>, arg: Value, pos: Pos) -> R<Value> {
        let env = match &def.formals {
            None => Env::one(arg, Some(parent.clone())),
            Some(formals) => {
                let attrs = self.force_attrs(arg.clone(), pos)?;
                let frame = Env::empty(Some(parent.clone()));
                // Built in place: a frame of up to two values then needs no buffer of its own.
                let mut vals = EnvVals::with_capacity(formals.entries.len() + 1);
                let mut used = 0;
                for (name, default) in &formals.entries {
                    match attrs.get_sym(name) {
                        Some(v) => {
                            used += 1;
                            vals.push(v.clone())
                        }
                        None => match default {
                            Some(d) => vals.push(self.thunk_in_new_frame(d, &frame)),
                            None => {
                                // Nix checks the formals in symbol order (see `Sym::seq`).
                                let first = formals
                                    .entries
                                    .iter()
                                    .filter(|(n, d)| d.is_none() && attrs.get_sym(n).is_none())
                                    .map(|(n, _)| n)
                                    .min_by_key(|n| n.seq())
                                    .unwrap_or(name);
                                return Err(EvalError::msg(
                                    format!(
                                        "{} called without required argument '{first}'",
                                        self.lambda_desc(def)
                                    ),
                                    pos,
                                ));
                            }
                        },
                    }
                }
                if !formals.ellipsis && used < attrs.len() {
                    for a in attrs_in_symbol_order(&attrs.entries) {
                        if !formals.entries.iter().any(|(n, _)| *n == a.name) {
                            return Err(EvalError::msg(
                                format!(
                                    "{} called with unexpected argument '{}'",
                                    self.lambda_desc(def),
                                    crate::print::print_attr_name(&a.name)
                                ),
                                pos,
                            )
                            .suggest(&a.name, formals.entries.iter().map(|(n, _)| &**n)));
                        }
                    }
                }
                if def.arg.is_some() {
                    vals.push(arg);
                }
                *frame.vals.borrow_mut() = vals;
                frame
            }
        };
        self.eval(&def.body, &env).map_err(|e| {
            let what = match &def.name {
                Some(n) => format!("while evaluating '{n}'"),
                None => "while evaluating anonymous function".to_string(),
            };
            e.context(def.pos, what).context(pos, "from call site")
        })
    }

    // ---------------------------------------------------------------- operators

    pub(crate) fn binop(&self, op: BinOp, a: Value, b: Value, pos: Pos) -> R<Value> {
        match op {
            BinOp::Eq => Ok(Value::Bool(self.eq_values(&a, &b, pos, false)?)),
            BinOp::NEq => Ok(Value::Bool(!self.eq_values(&a, &b, pos, false)?)),
            BinOp::Lt => Ok(Value::Bool(self.less_than(&a, &b, pos)?)),
            BinOp::Gt => Ok(Value::Bool(self.less_than(&b, &a, pos)?)),
            BinOp::Le => Ok(Value::Bool(!self.less_than(&b, &a, pos)?)),
            BinOp::Ge => Ok(Value::Bool(!self.less_than(&a, &b, pos)?)),
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, a, b, pos),
            BinOp::Update => {
                let x = self.expect_attrs(a, pos)?;
                let y = self.expect_attrs(b, pos)?;
                Ok(Value::Attrs(update_attrs(&x, &y)))
            }
            BinOp::Concat => {
                let x = self.expect_list(a, pos)?;
                let y = self.expect_list(b, pos)?;
                if x.is_empty() {
                    return Ok(Value::List(y));
                }
                if y.is_empty() {
                    return Ok(Value::List(x));
                }
                let mut v = Vec::with_capacity(x.len() + y.len());
                v.extend(x.iter().cloned());
                v.extend(y.iter().cloned());
                Ok(Value::list(v))
            }
        }
    }

    pub(crate) fn arith(&self, op: BinOp, a: Value, b: Value, pos: Pos) -> R<Value> {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(Value::Int(match op {
                BinOp::Sub => x.wrapping_sub(*y),
                BinOp::Mul => x.wrapping_mul(*y),
                _ => {
                    if *y == 0 {
                        return Err(EvalError::msg("division by zero", pos));
                    }
                    if *x == i64::MIN && *y == -1 {
                        return Err(EvalError::msg("overflow in integer division", pos));
                    }
                    x.wrapping_div(*y)
                }
            })),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let x = num_f64(&a);
                let y = num_f64(&b);
                Ok(Value::Float(match op {
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => {
                        if y == 0.0 {
                            return Err(EvalError::msg("division by zero", pos));
                        }
                        x / y
                    }
                }))
            }
            _ => {
                // Nix checks a divisor as a float first; otherwise both operands are
                // taken as floats when either is one, else as integers.
                let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
                let any_float = matches!(a, Value::Float(_)) || matches!(b, Value::Float(_));
                let (bad, expected) = if op == BinOp::Div && !is_num(&b) {
                    (&b, "a float")
                } else {
                    let bad = if is_num(&a) { &b } else { &a };
                    (bad, if any_float { "a float" } else { "an integer" })
                };
                Err(EvalError::msg(
                    format!("value is {} while {expected} was expected", bad.type_desc()),
                    pos,
                ))
            }
        }
    }

    pub(crate) fn add(&self, a: Value, b: Value, pos: Pos) -> R<Value> {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_add(*y))),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(Value::Float(num_f64(&a) + num_f64(&b)))
            }
            (Value::Int(_) | Value::Float(_), _) => Err(EvalError::msg(
                format!("cannot add {} to {}", b.type_desc(), a.type_desc()),
                pos,
            )),
            (Value::Path(p), _) => {
                let mut s = p.to_string();
                let mut ctx = Vec::new();
                self.coerce_into(b, pos, false, false, &mut s, &mut ctx)?;
                if !ctx.is_empty() {
                    return Err(EvalError::msg(
                        "a string that refers to a store path cannot be appended to a path",
                        pos,
                    ));
                }
                Ok(Value::Path(canon_path(&s).into()))
            }
            (Value::String(x), Value::String(y)) => {
                // Sized once (growing copied the left side twice), and only the join can
                // need canonicalising, not the whole (often long, accumulated) string.
                let mut s = String::with_capacity(x.s.len() + y.s.len());
                s.push_str(&x.s);
                s.push_str(&y.s);
                let mut ctx = x.ctx.clone();
                merge_ctx(&mut ctx, &y.ctx);
                if crate::bytes::joins_canonically(&x.s, &y.s) {
                    Ok(Value::String(Rc::new(NixString { s, ctx })))
                } else {
                    Ok(Value::str_ctx(s, ctx))
                }
            }
            _ => {
                // Nix copies paths into the store only when the left operand is a string
                // (`{ __toString = ...; } + ./p` keeps the path as it is).
                let copy = matches!(a, Value::String(_));
                let mut s = String::new();
                let mut ctx = Vec::new();
                self.coerce_into(a, pos, false, copy, &mut s, &mut ctx)?;
                self.coerce_into(b, pos, false, copy, &mut s, &mut ctx)?;
                Ok(Value::str_ctx(s, ctx))
            }
        }
    }

    /// Nix equality (forces both sides as needed).
    pub fn eq_values(&self, a: &Value, b: &Value, pos: Pos, nested: bool) -> R<bool> {
        if nested && same_ref(a, b) {
            return Ok(true);
        }
        let a = self.force(a.clone()).map_err(|e| e.at(pos))?;
        let b = self.force(b.clone()).map_err(|e| e.at(pos))?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                num_f64(&a) == num_f64(&b)
            }
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::String(x), Value::String(y)) => x.s == y.s,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (i, j) in x.iter().zip(y.iter()) {
                    if !self.eq_values(i, j, pos, true)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) && nested {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(i), Some(j)) = (x.get("outPath"), y.get("outPath")) {
                        return self.eq_values(i, j, pos, true);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                // Both sets are walked in Nix's symbol order (see `Sym::seq`), which decides
                // which failing value is forced first.
                let xs = attrs_in_symbol_order(&x.entries);
                let ys = attrs_in_symbol_order(&y.entries);
                for (i, j) in xs.iter().zip(ys.iter()) {
                    if i.name != j.name || !self.eq_values(&i.value, &j.value, pos, true)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// Whether an attribute set is a derivation (`type = "derivation"`).
    pub fn is_derivation(&self, a: &Attrs) -> R<bool> {
        match a.get("type") {
            Some(t) => match self.force(t.clone())? {
                Value::String(s) => Ok(s.s == "derivation"),
                _ => Ok(false),
            },
            None => Ok(false),
        }
    }

    /// Nix's `<` (numbers, strings, paths, lists).
    pub fn less_than(&self, a: &Value, b: &Value, pos: Pos) -> R<bool> {
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            return Ok(x < y);
        }
        let a = self.force(a.clone())?;
        let b = self.force(b.clone())?;
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(num_f64(&a) < num_f64(&b))
            }
            (Value::String(x), Value::String(y)) => Ok(x.s < y.s),
            (Value::Path(x), Value::Path(y)) => Ok(x < y),
            (Value::List(x), Value::List(y)) => {
                for i in 0.. {
                    if i == y.len() {
                        return Ok(false);
                    }
                    if i == x.len() {
                        return Ok(true);
                    }
                    if !self.eq_values(&x[i], &y[i], pos, true)? {
                        return self.less_than(&x[i], &y[i], pos);
                    }
                }
                unreachable!()
            }
            _ => Err(EvalError::msg(
                format!("cannot compare {} with {}", a.type_desc(), b.type_desc()),
                pos,
            )),
        }
    }

    // ---------------------------------------------------------------- coercions

    /// Force to an attribute set or fail with Nix's type error.
    pub fn force_attrs(&self, v: Value, pos: Pos) -> R<Rc<Attrs>> {
        let v = self.force(v)?;
        self.expect_attrs(v, pos)
    }

    pub(crate) fn expect_attrs(&self, v: Value, pos: Pos) -> R<Rc<Attrs>> {
        match v {
            Value::Attrs(a) => Ok(a),
            v => Err(type_error(&v, "a set", pos)),
        }
    }

    /// Force to a list.
    pub fn force_list(&self, v: Value, pos: Pos) -> R<Rc<Vec<Value>>> {
        let v = self.force(v)?;
        self.expect_list(v, pos)
    }

    pub(crate) fn expect_list(&self, v: Value, pos: Pos) -> R<Rc<Vec<Value>>> {
        match v {
            Value::List(l) => Ok(l),
            v => Err(type_error(&v, "a list", pos)),
        }
    }

    /// Force to an integer.
    pub fn force_int(&self, v: Value, pos: Pos) -> R<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            v => Err(type_error(&v, "an integer", pos)),
        }
    }

    /// Force to a Boolean.
    pub fn force_bool(&self, v: Value, pos: Pos) -> R<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_error(&v, "a Boolean", pos)),
        }
    }

    /// Force to a function.
    pub fn force_function(&self, v: Value, pos: Pos) -> R<Value> {
        let v = self.force(v)?;
        if v.is_function() || matches!(&v, Value::Attrs(a) if a.get("__functor").is_some()) {
            Ok(v)
        } else {
            Err(type_error(&v, "a function", pos))
        }
    }

    /// Force to a string (no coercion), keeping its context.
    pub fn force_string_v(&self, v: Value, pos: Pos) -> R<Rc<NixString>> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            v => Err(type_error(&v, "a string", pos)),
        }
    }

    /// Force to a string that must not refer to store paths (attribute names, regexes,
    /// versions and the like), and return its characters.
    pub fn force_str_no_ctx(&self, v: Value, pos: Pos) -> R<String> {
        let s = self.force_string_v(v, pos)?;
        if let Some(path) = s.ctx.first() {
            return Err(EvalError::msg(
                format!(
                    "the string '{}' is not allowed to refer to a store path (such as '{}')",
                    s.s,
                    path.rsplit('!')
                        .next()
                        .unwrap_or(path)
                        .trim_start_matches('=')
                ),
                pos,
            ));
        }
        Ok(s.s.clone())
    }

    /// Force to a string and return its characters.
    pub fn force_str(&self, v: Value, pos: Pos) -> R<String> {
        Ok(self.force_string_v(v, pos)?.s.clone())
    }

    /// Coerce to a string as interpolation (`coerce_more = false`) or `toString` (`true`) does.
    pub fn coerce_to_string(
        &self,
        v: Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
    ) -> R<NixString> {
        let mut s = String::with_capacity(16);
        let mut ctx = Vec::new();
        self.coerce_into(v, pos, coerce_more, copy_to_store, &mut s, &mut ctx)?;
        Ok(NixString {
            s: crate::bytes::normalize(s),
            ctx,
        })
    }

    pub(crate) fn coerce_into(
        &self,
        v: Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
        out: &mut String,
        ctx: &mut Vec<String>,
    ) -> R<()> {
        let v = self.force(v)?;
        match &v {
            Value::String(s) => {
                out.push_str(&s.s);
                merge_ctx(ctx, &s.ctx);
                return Ok(());
            }
            Value::Path(p) => {
                if copy_to_store {
                    let sp = self.copy_path_to_store(p, pos)?;
                    out.push_str(&sp);
                    merge_ctx(ctx, &[sp]);
                } else {
                    out.push_str(p);
                }
                return Ok(());
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString") {
                    let f = f.clone();
                    let r = self.call(&f, std::slice::from_ref(&v), pos)?;
                    return self.coerce_into(r, pos, coerce_more, copy_to_store, out, ctx);
                }
                if let Some(o) = a.get("outPath") {
                    return self.coerce_into(o.clone(), pos, coerce_more, copy_to_store, out, ctx);
                }
            }
            _ => {}
        }
        if coerce_more {
            match &v {
                Value::Null | Value::Bool(false) => return Ok(()),
                Value::Bool(true) => {
                    out.push('1');
                    return Ok(());
                }
                Value::Int(i) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{i}");
                    return Ok(());
                }
                Value::Float(f) => {
                    out.push_str(&format!("{f:.6}"));
                    return Ok(());
                }
                Value::List(l) => {
                    for (i, x) in l.iter().enumerate() {
                        let x = self.force(x.clone())?;
                        let empty_list = matches!(&x, Value::List(l) if l.is_empty());
                        self.coerce_into(x, pos, coerce_more, copy_to_store, out, ctx)?;
                        if i + 1 < l.len() && !empty_list {
                            out.push(' ');
                        }
                    }
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(EvalError::msg(
            format!("cannot coerce {} to a string", v.type_desc()),
            pos,
        ))
    }

    /// Coerce to an absolute path string (paths, strings starting with `/`, sets with `outPath`).
    pub fn coerce_to_path(&self, v: Value, pos: Pos) -> R<String> {
        let s = self.coerce_to_string(v, pos, false, false)?;
        if !s.s.starts_with('/') {
            return Err(EvalError::msg(
                format!("string '{}' doesn't represent an absolute path", s.s),
                pos,
            ));
        }
        Ok(s.s)
    }

    /// The store path a source path is copied to (computed from its NAR hash; nothing is written).
    pub fn copy_path_to_store(&self, path: &str, pos: Pos) -> R<String> {
        if let Some(p) = self.store_paths.borrow().get(path) {
            return Ok(p.clone());
        }
        let name = crate::path::base_name_of(path);
        let sp = crate::store::add_path_to_store(self, path, &name, pos)?;
        self.store_paths
            .borrow_mut()
            .insert(path.to_string(), sp.clone());
        Ok(sp)
    }

    /// Select an attribute of a value (forcing both).
    pub fn select_attr(&self, v: Value, name: &str, pos: Pos) -> R<Value> {
        let a = self.force_attrs(v, pos)?;
        match a.get(name) {
            Some(x) => self.force(x.clone()),
            None => Err(self.missing_attr(name, &a, pos)),
        }
    }
}

/// Nix's error for a value of the wrong type: `value is <type> while <expected> was expected`.
pub(crate) fn type_error(v: &Value, expected: &str, pos: Pos) -> EvalError {
    EvalError::msg(
        format!("value is {} while {expected} was expected", v.type_desc()),
        pos,
    )
}

/// Where `<name>` would be under search path entry `prefix=path` (made absolute and
/// canonical), or `None` if the entry's prefix does not match.
pub(crate) fn search_path_candidate(prefix: &str, path: &str, name: &str) -> Option<String> {
    let candidate = if prefix.is_empty() {
        format!("{path}/{name}")
    } else if name == prefix {
        path.to_string()
    } else {
        let rest = name.strip_prefix(prefix)?.strip_prefix('/')?;
        format!("{path}/{rest}")
    };
    Some(if candidate.starts_with('/') {
        canon_path(&candidate)
    } else {
        let cwd = std::env::current_dir()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        canon_path(&format!("{cwd}/{candidate}"))
    })
}

impl Evaluator {
    /// Look `name` up in the search path as `<name>` does.
    pub fn find_file(&self, name: &str, pos: Pos) -> R<String> {
        for (prefix, path) in self.search_path.borrow().iter() {
            let Some(candidate) = search_path_candidate(prefix, path, name) else {
                continue;
            };
            if std::path::Path::new(&candidate).exists() {
                return Ok(candidate);
            }
        }
        self.find_fallback_file(name).ok_or_else(|| {
            EvalError::msg(
                format!(
                    "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
                ),
                pos,
            )
        })
    }

    /// Add an entry `NAME=PATH` that `<NAME>` finds when the search path does not: it is not
    /// part of `builtins.nixPath`, so `-I` and `NIX_PATH` can still override it.
    pub fn add_fallback_search_path(&self, spec: &str) {
        self.fallback_search_path
            .borrow_mut()
            .push(split_search_entry(spec));
    }

    /// Where `<name>` is when no search path entry has it: the fallback entries, then the
    /// built-in `<nix/...>` files.
    pub(crate) fn find_fallback_file(&self, name: &str) -> Option<String> {
        for (prefix, path) in self.fallback_search_path.borrow().iter() {
            if let Some(candidate) = search_path_candidate(prefix, path, name) {
                if std::path::Path::new(&candidate).exists() {
                    return Some(candidate);
                }
            }
        }
        let rest = name.strip_prefix("nix/")?;
        Some(format!("{}{rest}", crate::builtins::COREPKGS_PREFIX))
    }
}

fn split_search_entry(spec: &str) -> (String, String) {
    match spec.split_once('=') {
        Some((p, path)) => (p.to_string(), path.to_string()),
        None => (String::new(), spec.to_string()),
    }
}

/// Read a whole file with Nix's messages: opening a directory succeeds and the read fails
/// ("reading from file: Is a directory"); any other failure is "opening file '<path>'".
pub(crate) fn read_file_bytes(path: &str, pos: Pos) -> R<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        if std::path::Path::new(path).is_dir() {
            EvalError::msg("reading from file: Is a directory", pos)
        } else {
            EvalError::msg(format!("opening file '{path}': {}", io_msg(&e)), pos)
        }
    })
}

pub(crate) fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

fn same_ref(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Thunk(x), Value::Thunk(y)) => Rc::ptr_eq(x, y),
        (Value::Lambda(x), Value::Lambda(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOp(x), Value::PrimOp(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOpApp(x), Value::PrimOpApp(y)) => Rc::ptr_eq(x, y),
        (Value::Attrs(x), Value::Attrs(y)) => Rc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

pub(crate) fn num_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// `a // b`: merge two sorted attribute lists, `b` winning.
pub(crate) fn update_attrs(a: &Rc<Attrs>, b: &Rc<Attrs>) -> Rc<Attrs> {
    if b.is_empty() {
        return a.clone();
    }
    if a.is_empty() {
        return b.clone();
    }
    // Overlays mostly update a set with one that already has all its names (`super //
    // mapAttrs f super`, a fixpoint's `super // (everything so far)`): then the result is
    // `b` itself, shared instead of copied.
    if b.len() > FEW_ATTRS && names_subset(&a.entries, &b.entries) {
        return b.clone();
    }
    Rc::new(Attrs::new(merge_entries(&a.entries, &b.entries)))
}

/// Up to this many attributes are merged into a set more than four times larger by binary
/// search, instead of comparing every name of the large one.
const FEW_ATTRS: usize = 8;

/// The entries of `x // y`: both sorted by name, `y` winning.
fn merge_entries(x: &[Attr], y: &[Attr]) -> Vec<Attr> {
    let mut out = Vec::with_capacity(x.len() + y.len());
    if y.len() <= FEW_ATTRS && x.len() > 4 * FEW_ATTRS {
        out.extend_from_slice(x);
        for e in y {
            match out.binary_search_by(|a: &Attr| a.name.cmp(&e.name)) {
                Ok(k) => out[k] = e.clone(),
                Err(k) => out.insert(k, e.clone()),
            }
        }
        return out;
    }
    if x.len() <= FEW_ATTRS && y.len() > 4 * FEW_ATTRS {
        out.extend_from_slice(y);
        for e in x {
            if let Err(k) = out.binary_search_by(|a: &Attr| a.name.cmp(&e.name)) {
                out.insert(k, e.clone());
            }
        }
        return out;
    }
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        match x[i].name.cmp(&y[j].name) {
            std::cmp::Ordering::Less => {
                out.push(x[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(y[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(y[j].clone());
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&x[i..]);
    out.extend_from_slice(&y[j..]);
    out
}

/// Whether every name of the sorted list `small` is also in the sorted list `big`. Stops at
/// the first name missing, so a failing check costs little before a real merge.
fn names_subset(small: &[Attr], big: &[Attr]) -> bool {
    if small.len() > big.len() {
        return false;
    }
    let mut j = 0;
    for x in small {
        // Names are interned: equal names are almost always the same pointer.
        loop {
            let Some(y) = big.get(j) else { return false };
            j += 1;
            match y.name.cmp(&x.name) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => break,
                std::cmp::Ordering::Greater => return false,
            }
        }
    }
    true
}

impl Evaluator {
    /// The global environment (builtins), for evaluating parsed expressions.
    pub fn global_env(&self) -> Rc<Env> {
        self.globals.clone()
    }

    /// Call a function with formals using automatic arguments, as `nix-instantiate` does with
    /// `--arg`/`--argstr`; other values are returned forced but otherwise unchanged.
    pub fn auto_call(&self, v: Value, args: &Value) -> R<Value> {
        let v = self.force(v)?;
        let args = self.force_attrs(args.clone(), Pos::NONE)?;
        match &v {
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let f = self.force(a.get("__functor").cloned().unwrap_or(Value::Null))?;
                let g = self.apply(f, v.clone(), Pos::NONE)?;
                self.auto_call(g, &Value::Attrs(args))
            }
            Value::Lambda(c) => {
                let Some(formals) = &c.def.formals else {
                    return Ok(v);
                };
                let mut entries = Vec::new();
                if formals.ellipsis {
                    entries = args.entries.clone();
                } else {
                    for (name, default) in &formals.entries {
                        match args.find(name) {
                            Some(a) => entries.push(a.clone()),
                            None if default.is_some() => {}
                            None => {
                                return Err(EvalError::msg(
                                    format!(
                                        "cannot evaluate a function that has an argument without a value ('{name}')"
                                    ),
                                    c.def.pos,
                                ))
                            }
                        }
                    }
                }
                for (name, default) in &formals.entries {
                    if default.is_none() && !entries.iter().any(|a| a.name == *name) {
                        return Err(EvalError::msg(
                            format!("cannot evaluate a function that has an argument without a value ('{name}')"),
                            c.def.pos,
                        ));
                    }
                }
                self.apply(
                    v.clone(),
                    Value::attrs(Attrs::from_unsorted(entries)),
                    Pos::NONE,
                )
            }
            _ => Ok(v),
        }
    }

    /// Follow an attribute path like `a.b.0."c.d"` (numbers index lists), auto-calling functions
    /// along the way as `nix-instantiate -A` does.
    pub fn select_attr_path(&self, v: Value, path: &str, auto: &Value) -> R<Value> {
        let mut v = self.force(v)?;
        for comp in split_attr_path(path) {
            v = self.auto_call(v, auto)?;
            match &v {
                Value::List(l) if comp.bytes().all(|b| b.is_ascii_digit()) && !comp.is_empty() => {
                    let i: usize = comp.parse().unwrap_or(usize::MAX);
                    match l.get(i) {
                        Some(x) => v = self.force(x.clone())?,
                        None => {
                            return Err(EvalError::msg(
                                format!("list index {comp} in selection path '{path}' is out of range"),
                                Pos::NONE,
                            ))
                        }
                    }
                }
                Value::Attrs(a) => match a.get(&comp) {
                    Some(x) => v = self.force(x.clone())?,
                    None => {
                        return Err(EvalError::msg(
                            format!("attribute '{comp}' in selection path '{path}' not found"),
                            Pos::NONE,
                        )
                        .suggest(&comp, a.entries.iter().map(|e| &*e.name)))
                    }
                },
                other => {
                    return Err(EvalError::msg(
                        format!(
                            "the expression selected by the selection path '{path}' should be a set but is {}",
                            other.type_name()
                        ),
                        Pos::NONE,
                    ))
                }
            }
        }
        Ok(v)
    }
}

/// Split `a.b."c.d"` into components.
pub fn split_attr_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.is_empty() {
        return out;
    }
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Evaluator {
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

/// An attribute name being looked up: static names are shared, dynamic ones are borrowed from
/// the string value (no allocation per lookup).
enum AttrKey {
    Sym(Sym),
    Str(Rc<NixString>),
}

impl AttrKey {
    fn as_str(&self) -> &str {
        match self {
            AttrKey::Sym(s) => s,
            AttrKey::Str(s) => &s.s,
        }
    }

    /// The attribute of that name in `a`.
    #[inline]
    fn lookup<'a>(&self, a: &'a Attrs) -> Option<&'a Value> {
        match self {
            AttrKey::Sym(s) => a.get_sym(s),
            AttrKey::Str(s) => a.get(&s.s),
        }
    }
}

/// A copy of `v` to store elsewhere: an evaluated thunk is replaced by its value, so that
/// later reads skip the indirection (and the thunk can be freed sooner). Lists of one or two
/// elements keep their thunk: its address is their identity when printing (see `print`).
#[inline]
fn shared_value(v: &Value) -> Value {
    if let Value::Thunk(t) = v {
        match &*t.0.borrow() {
            ThunkState::Done(Value::List(l)) if l.len() <= 2 => {}
            ThunkState::Done(x) => return x.clone(),
            _ => {}
        }
    }
    v.clone()
}

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
