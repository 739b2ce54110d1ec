//! What machine this is and what it can run: the one answer to "which
//! system is this" ([`host_double`], [`host_system`]), and [`Machine`], which
//! says for a platform whether this machine runs its programs natively or
//! through which emulator.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::elaborate::{Emulator, Platform};
use crate::error::PlatformError;
use crate::parse::Parsed;

/// The double of the machine this program runs on, named as nixpkgs names
/// it (`x86_64-linux`, `i686-linux`, `armv7l-linux`, `powerpc64le-linux`).
/// On a machine nixpkgs' tables do not know, the same spelling of Rust's
/// architecture and OS, so callers always have a name to show.
pub fn host_double() -> String {
    let cpu = match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7l",
        "powerpc64" if cfg!(target_endian = "little") => "powerpc64le",
        "mips64" if cfg!(target_endian = "little") => "mips64el",
        other => other,
    };
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    format!("{cpu}-{os}")
}

/// [`host_double`], if it is a system nixpkgs knows.
pub fn host_system() -> Option<String> {
    let s = host_double();
    Parsed::from_string(&s).ok().map(|_| s)
}

/// A machine that runs programs: its own platform plus further systems it
/// is declared to run (Nix's `extra-platforms`).
///
/// ```
/// use xnix_platform::{Emulator, Machine};
///
/// let m = Machine::new("x86_64-linux").unwrap();
/// assert!(m.runs_natively("i686-linux"));
/// assert_eq!(m.execution_of("aarch64-linux").unwrap(),
///            Emulator::Program("qemu-aarch64".into()));
/// ```
#[derive(Debug)]
pub struct Machine {
    platform: Platform,
    extra: Vec<Platform>,
    /// Systems named verbatim (`system`, `extra_platforms`): these run even
    /// when they are no platform nixpkgs knows.
    names: Vec<String>,
    /// Answers of [`Machine::runs_natively`] for other names.
    known: Mutex<HashMap<String, bool>>,
}

impl Machine {
    /// This machine ([`host_double`]).
    pub fn host() -> Result<Machine, PlatformError> {
        Machine::new(&host_double())
    }

    /// A machine of `system` (a double, triple or catalogue name).
    pub fn new(system: &str) -> Result<Machine, PlatformError> {
        Ok(Machine {
            platform: crate::resolve(system)?,
            extra: Vec::new(),
            names: vec![system.to_string()],
            known: Mutex::new(HashMap::new()),
        })
    }

    /// The machine of `system` that also runs `extra` natively (kernel
    /// support such as binfmt, or a CPU mode). Extra names nixpkgs does
    /// not know still count when a derivation names them exactly.
    pub fn with_extra_platforms(system: &str, extra: &[String]) -> Result<Machine, PlatformError> {
        let mut m = Machine::new(system)?;
        for e in extra {
            if let Ok(p) = crate::resolve(e) {
                m.extra.push(p);
            }
            m.names.push(e.clone());
        }
        Ok(m)
    }

    /// The machine's own system name, as given.
    pub fn system(&self) -> &str {
        &self.names[0]
    }

    /// The machine's elaborated platform.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// How this machine runs programs built for `target`: natively (its own
    /// platform or an extra one can execute them, nixpkgs' `canExecute`),
    /// through an emulator, or not at all.
    pub fn execution(&self, target: &Platform) -> Emulator {
        if std::iter::once(&self.platform)
            .chain(&self.extra)
            .any(|p| p.can_execute(target))
        {
            Emulator::Native
        } else {
            target.emulator_on(&self.platform)
        }
    }

    /// [`Machine::execution`] of a system name.
    pub fn execution_of(&self, system: &str) -> Result<Emulator, PlatformError> {
        if self.names.iter().any(|n| n == system) {
            return Ok(Emulator::Native);
        }
        let target = crate::elaborate(&Value::String(system.to_string()))?;
        Ok(self.execution(&target))
    }

    /// Whether this machine runs programs for `system` natively: one of its
    /// names, or a platform one of them can execute (`i686-linux` on
    /// `x86_64-linux`). A name that is no platform runs only if named.
    pub fn runs_natively(&self, system: &str) -> bool {
        if self.names.iter().any(|n| n == system) {
            return true;
        }
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        *known
            .entry(system.to_string())
            .or_insert_with(|| matches!(self.execution_of(system), Ok(Emulator::Native)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_a_known_system() {
        let d = host_double();
        assert!(d.contains('-'), "{d}");
        assert_eq!(host_system().as_deref(), Some(d.as_str()));
        let m = Machine::host().unwrap();
        assert!(m.runs_natively(&d));
        assert_eq!(m.execution_of(&d).unwrap(), Emulator::Native);
    }

    #[test]
    fn native_emulated_and_impossible() {
        let m = Machine::new("x86_64-linux").unwrap();
        assert!(m.runs_natively("x86_64-linux"));
        assert!(m.runs_natively("i686-linux"));
        assert!(!m.runs_natively("aarch64-linux"));
        assert!(!m.runs_natively("x86_64-darwin"));
        assert!(!m.runs_natively("not-a-system"));
        assert_eq!(
            m.execution_of("riscv64-linux").unwrap(),
            Emulator::Program("qemu-riscv64".into())
        );
        assert_eq!(
            m.execution_of("x86_64-w64-mingw32").unwrap(),
            Emulator::Program("wine64".into())
        );
        assert!(m.execution_of("not-a-system").is_err());
    }

    #[test]
    fn extra_platforms_run_natively() {
        let m = Machine::with_extra_platforms(
            "x86_64-linux",
            &["aarch64-linux".to_string(), "weird-thing".to_string()],
        )
        .unwrap();
        assert!(m.runs_natively("aarch64-linux"));
        assert!(m.runs_natively("weird-thing"));
        assert_eq!(m.system(), "x86_64-linux");
    }
}
