#![deny(missing_docs)]
//! The Nix language: parsing (rnix's tokens and tree, built by our own linear parser), values, the lazy evaluator and the builtins,
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
//! Evaluation allocates and frees millions of small objects: programs that evaluate should
//! install [`alloc::EvalAllocator`] as their global allocator (the library sets none).
//!
//! Builtins live in [`builtins`], one module per theme, each with a table registered in
//! [`builtins::TABLES`]. Project-specific builtins: `builtins.xnixElaboratePlatform` (a system
//! string or attribute set to an elaborated platform, through `xnix-platform`) and
//! `builtins.xnixPlatformCatalogue` (the `pkgsCross` catalogue). `builtins.currentSystem` is
//! the host's (`XNIX_SYSTEM` overrides it); `builtins.nixVersion` is `"2.8.0"`.

pub mod alloc;
pub mod builtins;
pub mod bytes;
mod error;
mod eval;
pub mod ir;
mod lower;
mod parse;
pub mod path;
mod print;
mod show;
pub mod store;
#[cfg(test)]
mod test_corpus;
mod tokenize;
mod value;

pub use error::{ErrorKind, EvalError, Result, TraceFrame};
pub use eval::{with_big_stack, Evaluator, SourceFile, StoreAccess};
pub use print::{escape_string, fmt_float, print_attr_name, print_value};
pub use value::{
    Attr, Attrs, Closure, Env, EnvVals, NixString, Pos, PrimOp, PrimOpApp, Sym, Thunk, ThunkState,
    Value,
};
