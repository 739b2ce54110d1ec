//! Platforms as nixpkgs models them: parsing doubles and triples, elaborating
//! platform descriptions, the `pkgsCross` catalogue, `canExecute` and emulators.
//!
//! Every answer follows nixpkgs' `lib.systems` (`parse.nix`, `inspect.nix`,
//! `default.nix`, `examples.nix`, `platforms.nix`, `doubles.nix`,
//! `architectures.nix`).
//!
//! ```
//! use xnix_platform::{elaborate, resolve, Parsed};
//!
//! let p = Parsed::from_string("x86_64-w64-mingw32").unwrap();
//! assert_eq!(p.triple(), "x86_64-w64-windows-gnu");
//!
//! let arm = resolve("aarch64-multiplatform").unwrap();
//! assert_eq!(arm.get("linuxArch").unwrap(), "arm64");
//! let build = elaborate(&"x86_64-linux".into()).unwrap();
//! assert!(!build.can_execute(&arm));
//! assert_eq!(arm.emulator_on(&build).to_string(), "qemu-aarch64");
//! ```
//!
//! Modules: [`mod@parse`] (tables, doubles and triples), [`inspect`] (the `is*`
//! predicates), [`architectures`] (CPU feature flags), [`mod@elaborate`] (the
//! elaborated platform, `canExecute`, emulators), [`examples`] (the
//! catalogue), [`doubles`] (the doubles lists), [`binary`] (what an ELF or PE
//! file is for); [`Machine`] and [`host_system`] say what this machine is
//! and what it runs natively or through which emulator.
#![deny(missing_docs)]

pub mod architectures;
pub mod binary;
pub mod doubles;
pub mod elaborate;
mod error;
pub mod examples;
pub mod inspect;
mod machine;
pub mod nix_tables;
pub mod parse;
mod suggest;

pub use elaborate::{elaborate, elaborate_value, Emulator, Platform};
pub use error::{ComponentKind, PlatformError};
pub use machine::{host_double, host_system, Machine};
pub use parse::Parsed;

use serde_json::Value;

/// One entry of the example catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueEntry {
    /// The name (`aarch64-multiplatform`, `raspberryPi`, ...).
    pub name: &'static str,
    /// The arguments nixpkgs passes to `elaborate` for it.
    pub args: Value,
}

/// Every catalogue entry (the names behind `pkgsCross.*`), sorted by name.
pub fn catalogue() -> impl Iterator<Item = CatalogueEntry> {
    examples::CATALOGUE
        .iter()
        .map(|(name, json)| CatalogueEntry {
            name,
            args: serde_json::from_str(json).expect("catalogue arguments are valid JSON"),
        })
}

/// The arguments of catalogue entry `name`, if there is one.
pub fn catalogue_args(name: &str) -> Option<Value> {
    examples::CATALOGUE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| serde_json::from_str(json).expect("catalogue arguments are valid JSON"))
}

/// Parse a double or triple (shorthand for [`Parsed::from_string`]).
pub fn parse(system: &str) -> Result<Parsed, PlatformError> {
    Parsed::from_string(system)
}

/// Elaborate a catalogue name, or else a double or triple.
///
/// A string that is neither fails with the parse error, plus close
/// catalogue names when there are any.
pub fn resolve(name: &str) -> Result<Platform, PlatformError> {
    if let Some(args) = catalogue_args(name) {
        return elaborate(&args);
    }
    match elaborate(&Value::String(name.to_string())) {
        Ok(p) => Ok(p),
        Err(
            e @ (PlatformError::UnknownComponent { .. }
            | PlatformError::Ambiguous { .. }
            | PlatformError::ComponentCount { .. }),
        ) => {
            let names: Vec<&str> = examples::CATALOGUE.iter().map(|(n, _)| *n).collect();
            // Only near-misses (a typo, a different case): a triple that
            // merely shares a prefix with a catalogue name gets none.
            let suggestions: Vec<String> = suggest::nearest(name, &names, &[])
                .into_iter()
                .filter(|c| c.eq_ignore_ascii_case(name) || strsim::levenshtein(c, name) <= 2)
                .collect();
            if suggestions.is_empty() {
                Err(e)
            } else {
                Err(PlatformError::UnknownName {
                    name: name.to_string(),
                    reason: Box::new(e),
                    suggestions,
                })
            }
        }
        Err(e) => Err(e),
    }
}

/// nixpkgs' `canExecute`: whether binaries for `b` run natively on `a`.
pub fn can_execute(a: &Platform, b: &Platform) -> bool {
    a.can_execute(b)
}
