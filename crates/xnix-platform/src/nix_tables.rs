//! The platform tables the Nix package collection needs as data: the
//! `pkgsCross` catalogue, the CPU compatibility edges behind `isCompatible`
//! and `canExecute`, the list of known doubles, and the `gcc.arch` inferiors. They are maintained here,
//! once, in Rust; `pkgs/lib/systems/platform-tables.json` is generated from
//! [`nix_tables_json`] so that the collection evaluates the same under real
//! Nix (which has no xnix builtins), and a test checks the file is current.

use serde_json::{Map, Value};

use crate::architectures::GCC_ARCH_INFERIORS;
use crate::parse::CPU_RUNS_ALSO;

/// Where the generated file lives, relative to the repository root.
pub const NIX_TABLES_PATH: &str = "pkgs/lib/systems/platform-tables.json";

fn edges(table: &[(&str, &[&str])]) -> Value {
    let mut rows: Vec<(&str, &[&str])> = table.to_vec();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    Value::Object(
        rows.into_iter()
            .map(|(k, v)| (k.to_string(), Value::from(v.to_vec())))
            .collect::<Map<String, Value>>(),
    )
}

/// The tables as one JSON object: `catalogue` (name -> the arguments of
/// `lib.systems.elaborate`), `cpuRunsAlso` (CPU -> CPUs whose code it runs
/// directly), `doubles` (`lib.systems.doubles.all`, in nixpkgs' order) and
/// `gccArchInferiors` (`gcc.arch` -> architectures it
/// subsumes directly). Keys are sorted.
pub fn nix_tables() -> Value {
    let mut catalogue: Vec<_> = crate::catalogue().map(|e| (e.name, e.args)).collect();
    catalogue.sort_by(|a, b| a.0.cmp(b.0));
    let mut top = Map::new();
    top.insert(
        "catalogue".into(),
        Value::Object(
            catalogue
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ),
    );
    top.insert("cpuRunsAlso".into(), edges(CPU_RUNS_ALSO));
    top.insert("doubles".into(), Value::from(crate::doubles::ALL.to_vec()));
    top.insert("gccArchInferiors".into(), edges(GCC_ARCH_INFERIORS));
    Value::Object(top)
}

/// The exact text of the generated file (pretty JSON, a final newline).
pub fn nix_tables_json() -> String {
    let mut s = serde_json::to_string_pretty(&nix_tables()).expect("JSON values always print");
    s.push('\n');
    s
}
