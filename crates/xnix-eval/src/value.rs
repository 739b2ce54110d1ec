//! Runtime values of the Nix language.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::error::EvalError;
use crate::ir::{Expr, LambdaDef};
use crate::Evaluator;

/// An attribute name (or path): interned for the life of the process, as Nix's symbols are,
/// so copying one touches no memory (no reference count) and equal names are the same
/// pointer (one table for all threads). A thin pointer (8 bytes), so that attributes stay small.
#[derive(Clone)]
pub struct Sym(&'static SymData);

/// An interned name and when it was interned.
struct SymData {
    name: Box<str>,
    /// Creation order. Nix keeps attributes ordered by symbol, and its symbols compare by
    /// address, which follows creation order: deep forcing (`--strict`, `deepSeq`) and `==`
    /// visit attributes in that order, so it decides which of several failures shows.
    seq: u32,
}

type SymbolTable = std::collections::HashMap<&'static str, &'static SymData, FnvBuild>;

/// The process-wide symbol table. Interning happens when names are created (parsing,
/// `listToAttrs`, dynamic attributes), far less often than names are compared, so an
/// uncontended lock costs little and buys pointer identity across threads.
static SYMBOLS: std::sync::Mutex<Option<SymbolTable>> = std::sync::Mutex::new(None);

/// The names Nix 2.8 interns before it reads any expression, in its order, so that their
/// creation order relative to the names of the evaluated code is Nix's.
const NIX_STARTUP_SYMBOLS: &[&str] = &[
    "<with>",
    "outPath",
    "drvPath",
    "type",
    "meta",
    "name",
    "value",
    "system",
    "__overrides",
    "outputs",
    "outputName",
    "__ignoreNulls",
    "file",
    "line",
    "column",
    "__functor",
    "__toString",
    "right",
    "wrong",
    "__structuredAttrs",
    "builder",
    "args",
    "__contentAddressed",
    "__impure",
    "outputHash",
    "outputHashAlgo",
    "outputHashMode",
    "recurseForDerivations",
    "description",
    "self",
    "",
    "startSet",
    "operator",
    "key",
    "path",
    "prefix",
];

fn intern_in(t: &mut SymbolTable, s: &str) -> &'static SymData {
    if let Some(d) = t.get(s) {
        return d;
    }
    let d: &'static SymData = Box::leak(Box::new(SymData {
        name: Box::from(s),
        seq: t.len() as u32,
    }));
    t.insert(&d.name, d);
    d
}

impl Sym {
    /// The interned name for `s`.
    pub fn intern(s: &str) -> Sym {
        let mut guard = SYMBOLS.lock().unwrap_or_else(|e| e.into_inner());
        let t = guard.get_or_insert_with(|| {
            let mut t = SymbolTable::default();
            for name in NIX_STARTUP_SYMBOLS {
                intern_in(&mut t, name);
            }
            t
        });
        Sym(intern_in(t, s))
    }

    /// The interned name for `s` if one exists, without creating it: a name never interned
    /// is in no attribute set, so lookups by it can stop early without touching the table's
    /// creation order.
    pub fn existing(s: &str) -> Option<Sym> {
        let guard = SYMBOLS.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().and_then(|t| t.get(s).copied()).map(Sym)
    }

    /// The interned name's address: a key as unique as the name.
    #[inline]
    pub fn address(&self) -> usize {
        self.0 as *const SymData as usize
    }

    /// When the name was first interned: the order Nix visits attributes in when it forces
    /// them all or compares two sets.
    #[inline]
    pub fn seq(&self) -> u32 {
        self.0.seq
    }

    /// Whether two names are the same: interning makes that a pointer comparison.
    #[inline]
    pub fn same(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0) || self.0.name == other.0.name
    }
}

impl Eq for Sym {}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sym {
    #[inline]
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if std::ptr::eq(self.0, other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.name.cmp(&other.0.name)
    }
}

impl std::hash::Hash for Sym {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.name.hash(h)
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        &self.0.name
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        &self.0.name
    }
}

impl std::borrow::Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0.name
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::intern(s)
    }
}

impl From<String> for Sym {
    fn from(s: String) -> Sym {
        Sym::intern(&s)
    }
}

impl From<&String> for Sym {
    fn from(s: &String) -> Sym {
        Sym::intern(s)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A position in a source file: the file's index in the evaluator's file table and a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// Index into the evaluator's table of source files; `u32::MAX` means "no position".
    pub file: u32,
    /// Byte offset into the file.
    pub offset: u32,
}

impl Pos {
    /// The absent position.
    pub const NONE: Pos = Pos {
        file: u32::MAX,
        offset: 0,
    };
    /// Whether this is a real position.
    pub fn is_some(&self) -> bool {
        self.file != u32::MAX
    }
}

/// A Nix value. Containers hold possibly unevaluated values (thunks); functions returning a
/// `Value` from evaluation always return it in weak head normal form (never a `Thunk`).
#[derive(Clone)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// 64-bit integers (Nix 2.8 wraps on overflow).
    Int(i64),
    /// Floats.
    Float(f64),
    /// Strings with their context.
    String(Rc<NixString>),
    /// Absolute, canonical paths.
    Path(Sym),
    /// Attribute sets.
    Attrs(Rc<Attrs>),
    /// Lists.
    List(Rc<Vec<Value>>),
    /// A lambda closed over its environment.
    Lambda(Rc<Closure>),
    /// A builtin function.
    PrimOp(Rc<PrimOp>),
    /// A partially applied builtin function.
    PrimOpApp(Rc<PrimOpApp>),
    /// A delayed computation, memoised once forced.
    Thunk(Rc<Thunk>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::print_value_shallow(self))
    }
}

/// A string with its context: the store paths it refers to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NixString {
    /// The characters.
    pub s: String,
    /// Sorted, deduplicated context elements in Nix's encoding (`/nix/store/..`,
    /// `=/nix/store/..drv`, `!out!/nix/store/..drv`).
    pub ctx: Vec<String>,
}

impl NixString {
    /// A string without context.
    pub fn plain(s: impl Into<String>) -> Self {
        NixString {
            s: s.into(),
            ctx: Vec::new(),
        }
    }
}

/// Merge context `b` into `a`, keeping it sorted and unique.
pub fn merge_ctx(a: &mut Vec<String>, b: &[String]) {
    for c in b {
        if let Err(i) = a.binary_search(c) {
            a.insert(i, c.clone());
        }
    }
}

/// One attribute of an attribute set.
#[derive(Clone)]
pub struct Attr {
    /// The name.
    pub name: Sym,
    /// The (possibly unevaluated) value.
    pub value: Value,
    /// Where it was defined, for `unsafeGetAttrPos`.
    pub pos: Pos,
}

/// An attribute set: attributes sorted by name. Large sets that are looked up repeatedly get a
/// hash index (built lazily), since binary search over long names dominates lookups in big
/// package sets.
#[derive(Clone, Default)]
pub struct Attrs {
    /// Sorted by name, unique.
    pub entries: Vec<Attr>,
    // Boxed so that the many small sets stay small; only large sets get an index.
    #[allow(clippy::box_collection)]
    index: std::cell::OnceCell<Box<std::collections::HashMap<Sym, u32, FnvBuild>>>,
    lookups: std::cell::Cell<u32>,
}

/// FNV-1a: a fast hash for short attribute names.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf29ce484222325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Sets up to this size are scanned linearly by [`Attrs::get_sym`].
const LINEAR_MAX_LEN: usize = 24;
/// Sets smaller than this are only binary-searched.
const INDEX_MIN_LEN: usize = 48;
/// Lookups into a large set before it gets an index.
const INDEX_AFTER_LOOKUPS: u32 = 16;

impl Attrs {
    /// A set from entries already sorted by name and unique.
    pub fn new(entries: Vec<Attr>) -> Attrs {
        Attrs {
            entries,
            ..Default::default()
        }
    }
    /// Look an attribute up by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).map(|a| &a.value)
    }
    /// Look an interned name up. Small sets are scanned comparing pointers only, which
    /// beats a binary search comparing strings for the few attributes most sets have.
    #[inline]
    pub fn get_sym(&self, name: &Sym) -> Option<&Value> {
        if self.entries.len() <= LINEAR_MAX_LEN {
            return self
                .entries
                .iter()
                .find(|a| a.name.same(name))
                .map(|a| &a.value);
        }
        self.get(name)
    }
    /// Look an interned name up, trying the slot `hint` first and remembering where it was
    /// found (see [`crate::ir::SlotHint`]).
    #[inline]
    pub fn get_sym_hinted(&self, name: &Sym, hint: &std::cell::Cell<u32>) -> Option<&Value> {
        if let Some(a) = self.entries.get(hint.get() as usize) {
            if a.name.same(name) {
                return Some(&a.value);
            }
        }
        let i = if self.entries.len() <= LINEAR_MAX_LEN {
            self.entries.iter().position(|a| a.name.same(name))?
        } else {
            self.index_of(name)?
        };
        hint.set(i as u32);
        Some(&self.entries[i].value)
    }
    /// Look an interned name up, with its position (see [`Attrs::get_sym`]).
    #[inline]
    pub fn find_sym(&self, name: &Sym) -> Option<&Attr> {
        if self.entries.len() <= LINEAR_MAX_LEN {
            return self.entries.iter().find(|a| a.name.same(name));
        }
        self.find(name)
    }
    /// Look an attribute up by name, with its position.
    pub fn find(&self, name: &str) -> Option<&Attr> {
        self.index_of(name).map(|i| &self.entries[i])
    }
    /// The index of an attribute by name.
    fn index_of(&self, name: &str) -> Option<usize> {
        if self.entries.len() >= INDEX_MIN_LEN {
            if let Some(idx) = self.index.get() {
                return idx.get(name).map(|&i| i as usize);
            }
            let n = self.lookups.get() + 1;
            self.lookups.set(n);
            if n >= INDEX_AFTER_LOOKUPS {
                let idx = self.index.get_or_init(|| {
                    let mut m = std::collections::HashMap::with_capacity_and_hasher(
                        self.entries.len(),
                        FnvBuild::default(),
                    );
                    for (i, a) in self.entries.iter().enumerate() {
                        m.insert(a.name.clone(), i as u32);
                    }
                    Box::new(m)
                });
                return idx.get(name).map(|&i| i as usize);
            }
        }
        self.entries.binary_search_by(|a| (*a.name).cmp(name)).ok()
    }
    /// Build from unsorted entries; later duplicates win.
    pub fn from_unsorted(mut entries: Vec<Attr>) -> Attrs {
        entries.reverse();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries.dedup_by(|a, b| a.name == b.name);
        Attrs::new(entries)
    }
    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A lambda with the environment it was created in.
pub struct Closure {
    /// The lambda's code.
    pub def: Rc<LambdaDef>,
    /// The defining environment.
    pub env: Rc<Env>,
}

/// The Rust implementation of a builtin.
pub type PrimOpFn = fn(&Evaluator, &[Value], Pos) -> Result<Value, EvalError>;

/// A builtin function of fixed arity.
pub struct PrimOp {
    /// Its name, without the `__` prefix.
    pub name: &'static str,
    /// How many arguments it takes.
    pub arity: usize,
    /// The implementation; called with exactly `arity` (unforced) arguments.
    pub func: PrimOpFn,
}

/// A builtin applied to fewer arguments than its arity.
pub struct PrimOpApp {
    /// The builtin.
    pub op: Rc<PrimOp>,
    /// The arguments so far.
    pub args: Vec<Value>,
}

/// Native code a thunk runs when forced.
pub type NativeFn = Rc<dyn Fn(&Evaluator) -> Result<Value, EvalError>>;

/// What a thunk computes. Every variant holds at most 16 bytes, so that a thunk with its
/// `Rc` header takes 40 bytes: thunks of expressions are by far the most numerous objects of
/// an evaluation (two thirds of the live blocks of a module-system evaluation), the rarer
/// kinds keep their operands in a box of their own.
pub enum ThunkState {
    /// Evaluate an expression in an environment.
    Expr(Rc<Expr>, Rc<Env>),
    /// Apply a function to an argument.
    Apply(Box<(Value, Value)>),
    /// `f name value` for `mapAttrs` and friends: one thunk instead of two and a string;
    /// the name string is only made when the thunk is forced.
    ApplyName(Box<(Rc<Value>, Sym, Value)>),
    /// Run native code.
    Native(NativeFn),
    /// Being evaluated right now: forcing it again is infinite recursion.
    Blackhole,
    /// Evaluated.
    Done(Value),
}

/// A memoised delayed computation.
pub struct Thunk(pub ThunkCell);

/// The state of a thunk, without a borrow flag (a `RefCell`'s would make every thunk 8
/// bytes larger, and thunks are the most numerous objects of an evaluation): the state is
/// read through [`ThunkCell::peek`], whose reference cannot outlive the call, and replaced
/// only by [`ThunkCell::replace`], whose callers promise that no such reference is alive.
/// Forcing (the one place that replaces states of shared thunks) never runs while a `peek`
/// of the same thunk is in progress: readers copy what they need out and let go first.
pub struct ThunkCell(std::cell::UnsafeCell<ThunkState>);

impl ThunkCell {
    /// A cell holding `state`.
    pub fn new(state: ThunkState) -> ThunkCell {
        ThunkCell(std::cell::UnsafeCell::new(state))
    }
    /// Look at the state. `f` must not replace this thunk's state (it must not force it).
    #[inline(always)]
    pub fn peek<T>(&self, f: impl FnOnce(&ThunkState) -> T) -> T {
        // SAFETY: states are only replaced by `replace`, whose callers guarantee that no
        // `peek` of this cell is in progress; `f` is documented not to force the thunk.
        f(unsafe { &*self.0.get() })
    }
    /// The value of an evaluated thunk.
    #[inline(always)]
    pub fn done(&self) -> Option<Value> {
        self.peek(|s| match s {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        })
    }
    /// Put `state` in and return the old one.
    ///
    /// # Safety
    /// No reference into this cell's state (from [`ThunkCell::peek`]) may be alive.
    #[inline(always)]
    pub unsafe fn replace(&self, state: ThunkState) -> ThunkState {
        // SAFETY: the caller guarantees exclusive access for the duration of the swap.
        unsafe { std::mem::replace(&mut *self.0.get(), state) }
    }
    /// The state, through exclusive access.
    #[inline(always)]
    pub fn get_mut(&mut self) -> &mut ThunkState {
        self.0.get_mut()
    }
}

impl Thunk {
    /// Wrap a state into a thunk value.
    pub fn value(state: ThunkState) -> Value {
        Value::Thunk(Rc::new(Thunk(ThunkCell::new(state))))
    }
    /// A new thunk holding `state`.
    pub fn new(state: ThunkState) -> Thunk {
        Thunk(ThunkCell::new(state))
    }
    /// A thunk that runs native code.
    pub fn native(f: impl Fn(&Evaluator) -> Result<Value, EvalError> + 'static) -> Value {
        Thunk::value(ThunkState::Native(Rc::new(f)))
    }
}

/// How many thunk states may be dropped nested inside one another before further ones are
/// queued: enough that ordinary data never queues, few enough that the native stack (even a
/// test thread's 2 MiB) holds the nested drops.
const MAX_NESTED_DROPS: u32 = 128;

/// Per-thread state of thunk drops: how deeply drops are nested right now, and the states
/// queued for the outermost drop to finish.
struct DropState {
    depth: std::cell::Cell<u32>,
    queued: RefCell<Vec<ThunkState>>,
}

thread_local! {
    static DROPS: DropState = const {
        DropState {
            depth: std::cell::Cell::new(0),
            queued: RefCell::new(Vec::new()),
        }
    };
}

/// Dropping a thunk drops what it holds, which may hold further thunks: a long chain of
/// nested data (a list a million levels deep) would recurse once per level and overflow the
/// native stack. Drops nest up to [`MAX_NESTED_DROPS`] levels (the usual case, which costs
/// no more than a counter); deeper states are queued and dropped one after another by the
/// outermost thunk drop on the thread.
impl Drop for Thunk {
    fn drop(&mut self) {
        // Only a state whose drop frees a container can nest; most thunks share what they
        // hold (the environment, a forced set) with others and are dropped right here.
        let nests = match self.0.get_mut() {
            ThunkState::Blackhole | ThunkState::Native(_) => false,
            ThunkState::Done(v) => frees_container(v),
            ThunkState::Expr(_, env) => Rc::strong_count(env) == 1,
            ThunkState::Apply(app) => frees_container(&app.0) || frees_container(&app.1),
            ThunkState::ApplyName(app) => Rc::strong_count(&app.0) == 1 || frees_container(&app.2),
        };
        if !nests {
            return;
        }
        let state = std::mem::replace(self.0.get_mut(), ThunkState::Blackhole);
        // During thread teardown the state is simply dropped here.
        let _ = DROPS.try_with(|d| {
            let depth = d.depth.get();
            if depth >= MAX_NESTED_DROPS {
                d.queued.borrow_mut().push(state);
                return;
            }
            d.depth.set(depth + 1);
            drop(state);
            if depth == 0 {
                // The outermost drop empties the queue; each queued state may nest again.
                loop {
                    let next = d.queued.borrow_mut().pop();
                    match next {
                        // Dropped outside the borrow: nested thunk drops queue more states.
                        Some(state) => drop(state),
                        None => break,
                    }
                }
            }
            d.depth.set(depth);
        });
    }
}

/// Whether dropping `v` frees a value that may hold further thunks (its last reference).
#[inline]
fn frees_container(v: &Value) -> bool {
    match v {
        Value::List(l) => Rc::strong_count(l) == 1,
        Value::Attrs(a) => Rc::strong_count(a) == 1,
        Value::Thunk(t) => Rc::strong_count(t) == 1,
        Value::Lambda(c) => Rc::strong_count(c) == 1,
        Value::PrimOpApp(p) => Rc::strong_count(p) == 1,
        _ => false,
    }
}

/// The values of a frame. Frames of one value (a plain lambda's argument, a `with`), nine
/// in ten of all frames, keep it inline in the frame's allocation (48 bytes with the `Rc`
/// header; smallvec's `union` layout needs no separate tag); larger frames have their
/// values in a block of their own.
pub type EnvVals = smallvec::SmallVec<[Value; 1]>;

/// The values of a frame, without a borrow flag (a `RefCell`'s would make every frame 8
/// bytes larger): a frame's values are written only while the frame is being made (a
/// recursive set's or a function's frame is created first, since its thunks refer to it,
/// then filled) and, for `__overrides`, right after; every other access reads.
pub struct EnvCell(std::cell::UnsafeCell<EnvVals>);

impl EnvCell {
    /// A cell holding `vals`.
    pub fn new(vals: EnvVals) -> EnvCell {
        EnvCell(std::cell::UnsafeCell::new(vals))
    }
    /// The values.
    #[inline(always)]
    pub fn borrow(&self) -> &EnvVals {
        // SAFETY: values are only written by `fill` and `set`, whose callers guarantee that
        // no reference returned here is alive.
        unsafe { &*self.0.get() }
    }
    /// Replace all values (filling a frame that was made empty).
    ///
    /// # Safety
    /// No reference from [`EnvCell::borrow`] of this cell may be alive.
    #[inline(always)]
    pub unsafe fn fill(&self, vals: EnvVals) {
        // SAFETY: the caller guarantees exclusive access for the duration of the write.
        unsafe { *self.0.get() = vals }
    }
    /// Replace the value in slot `index`.
    ///
    /// # Safety
    /// As for [`EnvCell::fill`].
    pub unsafe fn set(&self, index: usize, v: Value) {
        // SAFETY: as for `fill`.
        unsafe { (&mut *self.0.get())[index] = v }
    }
}

/// A variable environment frame. `with` frames hold one value: the (unforced) attribute set.
pub struct Env {
    /// The values of the frame's variables, in the order assigned at lowering time.
    pub vals: EnvCell,
    /// The enclosing frame.
    pub parent: Option<Rc<Env>>,
}

impl Env {
    /// A new frame.
    pub fn new(vals: Vec<Value>, parent: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env {
            vals: EnvCell::new(EnvVals::from_vec(vals)),
            parent,
        })
    }
    /// A frame without values yet, to be filled once its values (which may refer to the
    /// frame itself) are made.
    pub fn empty(parent: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env {
            vals: EnvCell::new(EnvVals::new()),
            parent,
        })
    }
    /// A frame of one value (a plain lambda's argument, a `with`): a single allocation.
    pub fn one(v: Value, parent: Option<Rc<Env>>) -> Rc<Env> {
        let mut vals = EnvVals::new();
        vals.push(v);
        Rc::new(Env {
            vals: EnvCell::new(vals),
            parent,
        })
    }
    /// The frame `depth` levels up.
    #[inline]
    pub fn up(self: &Rc<Env>, depth: u32) -> &Rc<Env> {
        let mut e = self;
        for _ in 0..depth {
            e = e
                .parent
                .as_ref()
                .expect("environment depth resolved at lowering time");
        }
        e
    }
}

impl Value {
    /// A string value without context.
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(Rc::new(NixString::plain(crate::bytes::normalize(s.into()))))
    }
    /// A string value with context.
    pub fn str_ctx(s: String, ctx: Vec<String>) -> Value {
        Value::String(Rc::new(NixString {
            s: crate::bytes::normalize(s),
            ctx,
        }))
    }
    /// A list value.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }
    /// An attribute set value from entries sorted by name.
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }
    /// Nix's type name, as `builtins.typeOf` gives it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }
    /// The type as Nix's error messages name it ("an integer", "a set", "a string with
    /// context", "the built-in function 'map'", ...).
    pub fn type_desc(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Value::String(s) if !s.ctx.is_empty() => "a string with context".into(),
            Value::PrimOp(op) => format!("the built-in function '{}'", op.name).into(),
            Value::PrimOpApp(app) => {
                format!("the partially applied built-in function '{}'", app.op.name).into()
            }
            _ => self.type_desc_static().into(),
        }
    }

    fn type_desc_static(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(_) => "a built-in function",
            Value::PrimOpApp(_) => "a partially applied built-in function",
            Value::Thunk(_) => "a thunk",
        }
    }
    /// Whether this is a function of any kind.
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most numerous objects of an evaluation stay as small as they were made: a thunk
    /// of an expression and a frame of one value, each with its `Rc` header.
    #[test]
    fn thunks_and_frames_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<ThunkState>(), 24);
        assert_eq!(std::mem::size_of::<Thunk>() + 16, 40);
        assert_eq!(std::mem::size_of::<Env>() + 16, 48);
        assert_eq!(std::mem::size_of::<Attr>(), 32);
    }
}
