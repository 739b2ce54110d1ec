//! One module per subcommand. Each exposes clap argument structs and a
//! `run` function returning the process exit code.

pub mod eval;
pub mod platform;
pub mod repl;
pub mod store;
