//! The Nix language: parsing (through rnix), values, the lazy evaluator and the builtins,
//! behaving as Nix 2.8.
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
//! Deeply recursive Nix code needs a big native stack: run evaluations inside
//! [`with_big_stack`].

pub mod builtins;
pub mod bytes;
mod error;
mod eval;
pub mod ir;
mod lower;
pub mod path;
mod print;
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
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
