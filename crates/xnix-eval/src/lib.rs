//! The Nix language: parsing (through rnix), values, the lazy evaluator and the builtins,
//! behaving as Nix 2.8 (`nix-instantiate --eval` prints the same bytes).
//!
//! ```no_run
//! use xnix_eval::Evaluator;
//! let ev = Evaluator::new();
//! ev.add_search_path("nixpkgs=/path/to/nixpkgs");
//! let v = ev.eval_expr("builtins.map (x: x * 2) [ 1 2 3 ]", "/tmp").unwrap();
//! let v = ev.force_deep(v).unwrap();
//! assert_eq!(xnix_eval::print_value(&v), "[ 2 4 6 ]");
//! ```
//!
//! # The API
//!
//! - [`Evaluator::new`] makes the global scope (every builtin, `NIX_PATH` on the search path);
//!   [`Evaluator::add_search_path`] adds `-I` entries (`PATH` or `NAME=PATH`).
//! - [`Evaluator::eval_expr`] (text, relative paths against a directory) and
//!   [`Evaluator::eval_file`] (a file, or a directory's `default.nix`; cached per file) give a
//!   value in weak head normal form. [`Evaluator::parse`] gives the IR only.
//! - [`Evaluator::force`] forces one level, [`Evaluator::force_deep`] everything (as
//!   `--strict`), [`Evaluator::auto_call`] calls a function with formals from `--arg`s, and
//!   [`Evaluator::select_attr_path`] follows `-A a.b.0`.
//! - [`print_value`] prints as `nix-instantiate --eval` (unforced parts as `<CODE>`),
//!   [`Evaluator::to_json`] as `--json`/`toJSON`; [`Evaluator::format_error`] renders an
//!   [`EvalError`] with its position, source line and (optionally) trace.
//! - [`Evaluator::store_objects`] and [`Evaluator::derivations`] return what evaluation
//!   computed store paths for (sources, `toFile` texts, `.drv`s), so a caller owning a store
//!   can write them; evaluation itself writes nothing.
//! - [`Evaluator::thunk_in_scope`] and [`Evaluator::global_names`] serve the REPL.
//!
//! Deeply recursive Nix code needs a big native stack: run evaluations inside
//! [`with_big_stack`], which also turns runaway recursion into the error
//! `stack overflow (possible infinite recursion)`.
//!
//! Builtins live in [`builtins`], one module per theme, each with a table registered in
//! [`builtins::TABLES`]. Project-specific builtins: `builtins.xnixElaboratePlatform` (a system
//! string or attribute set to an elaborated platform, through `xnix-platform`) and
//! `builtins.xnixPlatformCatalogue` (the `pkgsCross` catalogue). `builtins.currentSystem` is
//! the host's (`XNIX_SYSTEM` overrides it); `builtins.nixVersion` is `"2.8.0"`.

pub mod builtins;
pub mod bytes;
mod error;
mod eval;
pub mod ir;
mod lower;
pub mod path;
mod print;
mod show;
pub mod store;
mod value;

pub use error::{ErrorKind, EvalError, Result, TraceFrame};
pub use eval::{with_big_stack, Evaluator, SourceFile};
pub use print::{escape_string, fmt_float, print_attr_name, print_value};
pub use value::{
    Attr, Attrs, Closure, Env, EnvVals, NixString, Pos, PrimOp, PrimOpApp, Sym, Thunk, ThunkState,
    Value,
};

/// Evaluation allocates and frees many small objects (thunks, environments) and large
/// attribute-set vectors; mimalloc handles that pattern several times faster than glibc's
/// allocator, whose consolidation of freed chunks dominated `//`-heavy evaluations.
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// mimalloc, entered through its plain `malloc` for the usual alignments. (The `mimalloc`
/// crate always calls `mi_malloc_aligned`, whose generic path cost a tenth of all
/// instructions of attribute-set-heavy evaluations.)
struct Allocator;

/// Every mimalloc block is aligned to at least a machine word.
const PLAIN_ALIGN: usize = std::mem::size_of::<usize>();

// SAFETY: every pointer handed out comes from mimalloc with at least `layout.align()`
// alignment (plain blocks are word-aligned, larger alignments go to the aligned entry
// points) and is returned to mimalloc, which accepts pointers from any of its entry points.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        libmimalloc_sys::mi_free(ptr as *mut std::ffi::c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            libmimalloc_sys::mi_realloc_aligned(
                ptr as *mut std::ffi::c_void,
                new_size,
                layout.align(),
            ) as *mut u8
        }
    }
}
