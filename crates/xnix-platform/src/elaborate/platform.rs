//! Questions asked of an elaborated platform: attributes, `canExecute`, the
//! emulator that runs its programs elsewhere.

use serde_json::Value;

use crate::error::PlatformError;
use crate::parse::{is_compatible, Parsed};

use super::{Emulator, Platform, FUNCTION_ATTRS};

impl Platform {
    fn attr(&self, key: &str) -> Option<&Value> {
        if key == "parsed" {
            return Some(self.parsed_json.get_or_init(|| self.parsed.to_json()));
        }
        self.attrs
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.attrs[i].1)
    }

    fn bool_attr(&self, key: &str) -> bool {
        self.attr(key).and_then(Value::as_bool).unwrap_or(false)
    }

    pub(super) fn check_assertions(&self) -> Result<(), PlatformError> {
        if self.bool_attr("useAndroidPrebuilt") && !self.bool_attr("isAndroid") {
            return Err(PlatformError::Assertion {
                message: "assertion 'final.useAndroidPrebuilt -> final.isAndroid' failed".into(),
            });
        }
        for a in self.parsed.abi.assertions {
            let fails = match a {
                crate::parse::AbiAssertion::NotAarch32(_) => self.bool_attr("isAarch32"),
                crate::parse::AbiAssertion::NotBigEndianPower64(_) => {
                    self.bool_attr("isPower64") && self.bool_attr("isBigEndian")
                }
            };
            if fails {
                return Err(PlatformError::Assertion {
                    message: a.message().to_string(),
                });
            }
        }
        Ok(())
    }

    /// The structured `parsed` platform.
    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// The triple (`config`), as given or normalised.
    pub fn config(&self) -> &str {
        self.attr("config")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The double (`system`).
    pub fn system(&self) -> &str {
        self.attr("system")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// One attribute by dotted path (`"libc"`, `"rust.rustcTarget"`,
    /// `"extensions.library"`). Fails with nixpkgs' message where nixpkgs
    /// fails, and with "attribute '...' missing" for unknown names.
    pub fn get(&self, path: &str) -> Result<Value, PlatformError> {
        for (p, m) in &self.errors {
            if path == p || path.starts_with(&format!("{p}.")) {
                return Err(PlatformError::Attribute {
                    path: path.to_string(),
                    message: m.clone(),
                });
            }
        }
        let mut cur: Option<&Value> = None;
        for part in path.split('.') {
            let next = match cur {
                None => self.attr(part),
                Some(v) => v.get(part),
            };
            match next {
                Some(v) => cur = Some(v),
                None => {
                    return Err(PlatformError::Attribute {
                        path: path.to_string(),
                        message: if FUNCTION_ATTRS.contains(&path) {
                            format!(
                                "'{path}' is a function; use the library's Rust function instead"
                            )
                        } else {
                            format!("attribute '{part}' missing")
                        },
                    })
                }
            }
        }
        Ok(cur.cloned().unwrap_or(Value::Null))
    }

    /// Dotted paths of the attributes that fail, with nixpkgs' messages.
    pub fn failing_attributes(&self) -> &[(String, String)] {
        &self.errors
    }

    /// Every non-function attribute that evaluates, as one JSON object with
    /// sorted keys (failing attributes are left out).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.attrs()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// The attributes that evaluate, as `(name, value)` pairs sorted by name
    /// (see [`Platform::to_json`]).
    pub fn attrs(&self) -> Vec<(&str, &Value)> {
        let mut out: Vec<(&str, &Value)> = Vec::with_capacity(self.attrs.len() + 1);
        let parsed = self.attr("parsed").expect("parsed is always present");
        let mut placed = false;
        for (k, v) in &self.attrs {
            if !placed && k.as_str() > "parsed" {
                out.push(("parsed", parsed));
                placed = true;
            }
            out.push((k.as_str(), v));
        }
        if !placed {
            out.push(("parsed", parsed));
        }
        out
    }

    /// nixpkgs' `canExecute`: whether binaries for `other` run natively on
    /// this platform.
    pub fn can_execute(&self, other: &Platform) -> bool {
        self.bool_attr("isAndroid") == other.bool_attr("isAndroid")
            && is_compatible(self.parsed.cpu, other.parsed.cpu)
            && self.parsed.kernel == other.parsed.kernel
            && (self.parsed.cpu != other.parsed.cpu || self.gcc_arch_runs(other))
    }

    fn gcc_arch(&self) -> Option<&str> {
        self.attr("gcc")
            .and_then(|g| g.get("arch"))
            .and_then(Value::as_str)
    }

    /// For the same CPU type, code tuned with `gcc.arch` only runs where that
    /// architecture (or a superset of it) is available.
    fn gcc_arch_runs(&self, other: &Platform) -> bool {
        match (self.gcc_arch(), other.gcc_arch()) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a == b || crate::architectures::inferiors(a).contains(&b),
        }
    }

    /// How to run binaries for this platform on `build`, following nixpkgs'
    /// `emulator`: natively if `build` can execute them, `wine`/`wine64` for
    /// Windows, qemu user mode for Linux on Linux, `wasmtime` for WASI,
    /// `mmix` for MMIX, otherwise nothing.
    pub fn emulator_on(&self, build: &Platform) -> Emulator {
        if build.can_execute(self) {
            Emulator::Native
        } else if self.bool_attr("isWindows") {
            Emulator::Program(if self.parsed.cpu.bits == 64 {
                "wine64".into()
            } else {
                "wine".into()
            })
        } else if self.bool_attr("isLinux") && build.bool_attr("isLinux") {
            match self.attr("qemuArch").and_then(Value::as_str) {
                Some(q) => Emulator::Program(format!("qemu-{q}")),
                None => self.other_emulator(),
            }
        } else {
            self.other_emulator()
        }
    }

    fn other_emulator(&self) -> Emulator {
        if self.bool_attr("isWasi") {
            Emulator::Program("wasmtime".into())
        } else if self.bool_attr("isMmix") {
            Emulator::Program("mmix".into())
        } else {
            Emulator::Unavailable
        }
    }
}
