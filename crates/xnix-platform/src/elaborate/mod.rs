//! nixpkgs' `lib.systems.elaborate`: from a system string or an attribute set
//! of arguments to the full platform description.
//!
//! The result is a dynamic JSON-like value because users may pass arbitrary
//! attributes through. Attributes that nixpkgs fails to evaluate (e.g.
//! `extensions.library` on platforms without shared libraries) are kept aside
//! as errors: [`Platform::get`] returns them, JSON output leaves them out.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use crate::architectures::{supports, FEATURE_PREDICATES};
use crate::error::PlatformError;
use crate::inspect::{idx, predicate, PREDICATE_NAMES};
use crate::parse::Parsed;

mod names;
mod platform;
mod toolchains;

use names::{darwin_arch, extensions, linux_arch, qemu_arch, uname};
use toolchains::{compute_rust, go, nim, node};

/// An elaborated platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    parsed: Parsed,
    /// `parsed` as JSON, rendered from `parsed` on first use (it cannot be
    /// overridden, so there is no need to build it while elaborating).
    parsed_json: std::sync::OnceLock<Value>,
    /// Sorted by name, unique names.
    attrs: Vec<(String, Value)>,
    errors: Vec<(String, String)>,
}

/// How binaries for one platform can be run on another (nixpkgs'
/// `emulator`, with the program named rather than a store path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emulator {
    /// The build platform executes them natively (`canExecute` is true).
    Native,
    /// An emulator program: `qemu-<qemuArch>` (qemu user mode), `wine` or
    /// `wine64`, `wasmtime`, or `mmix`.
    Program(String),
    /// Nothing known can run them.
    Unavailable,
}

impl std::fmt::Display for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Emulator::Native => f.write_str("native"),
            Emulator::Program(p) => f.write_str(p),
            Emulator::Unavailable => f.write_str("none"),
        }
    }
}

type R<T> = Result<T, String>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a Boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a set",
    }
}

fn want_bool(v: &Value) -> R<bool> {
    v.as_bool()
        .ok_or_else(|| format!("value is {} while a Boolean was expected", type_name(v)))
}

fn want_str(v: &Value) -> R<&str> {
    v.as_str()
        .ok_or_else(|| format!("value is {} while a string was expected", type_name(v)))
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| json!(s))
}

struct Builder<'a> {
    args: &'a Map<String, Value>,
    parsed: Parsed,
    /// The `is*` predicates, in [`PREDICATE_NAMES`] order.
    preds: Vec<bool>,
    /// Whether any argument may replace a predicate (a name starting `is`).
    args_override_predicates: bool,
    /// Other computed attributes, in computation order.
    attrs: Vec<(&'static str, Value)>,
    errors: Vec<(String, String)>,
}

impl Builder<'_> {
    /// `final.<key>`: the user's argument if given, else the computed value.
    fn get(&self, key: &str) -> R<&Value> {
        // Argument sets are small: a scan beats hashing.
        if let Some((_, v)) = self.args.iter().find(|(k, _)| k.as_str() == key) {
            return Ok(v);
        }
        if let Some((_, v)) = self.attrs.iter().find(|(k, _)| *k == key) {
            return Ok(v);
        }
        if let Some((_, m)) = self.errors.iter().find(|(p, _)| p == key) {
            return Err(m.clone());
        }
        Err(format!("attribute '{key}' missing"))
    }

    fn b(&self, key: &str) -> R<bool> {
        match PREDICATE_NAMES.binary_search(&key) {
            Ok(i) => self.p(i),
            Err(_) => want_bool(self.get(key)?),
        }
    }

    /// The predicate with index `i` in [`PREDICATE_NAMES`], as overridden
    /// by the user's arguments.
    fn p(&self, i: usize) -> R<bool> {
        if self.args_override_predicates {
            if let Some(v) = self.args.get(PREDICATE_NAMES[i]) {
                return want_bool(v);
            }
        }
        Ok(self.preds[i])
    }

    /// Predicate shorthand for places where nixpkgs' own values are booleans;
    /// a user-supplied non-boolean surfaces as an error of the dependent attr.
    fn set(&mut self, key: &'static str, v: R<Value>) {
        match v {
            Ok(v) => {
                self.attrs.push((key, v));
            }
            Err(m) => self.errors.push((key.to_string(), m)),
        }
    }
}

/// Turn the argument of `elaborate` (a system string or an attribute set)
/// into the attribute set nixpkgs works on.
fn system_to_attrs(arg: &Value) -> Result<Cow<'_, Map<String, Value>>, PlatformError> {
    match arg {
        Value::String(s) => {
            let mut m = Map::new();
            m.insert("system".into(), Value::String(s.clone()));
            Ok(Cow::Owned(m))
        }
        Value::Object(m) => Ok(Cow::Borrowed(m)),
        other => Err(PlatformError::InvalidArgument(format!(
            "expected a system string or an attribute set, got {}",
            type_name(other)
        ))),
    }
}

/// Elaborate a platform from a system string (`"aarch64-linux"`) or an
/// attribute set of arguments (`{"config": "aarch64-unknown-linux-gnu", ...}`),
/// as nixpkgs' `lib.systems.elaborate`.
pub fn elaborate(arg: &Value) -> Result<Platform, PlatformError> {
    let all_args = system_to_attrs(arg)?;
    let system_str = match (all_args.get("config"), all_args.get("system")) {
        (Some(c), _) => c.as_str().ok_or_else(|| {
            PlatformError::InvalidArgument(format!(
                "`config` must be a string, not {}",
                type_name(c)
            ))
        })?,
        (None, Some(s)) => s.as_str().ok_or_else(|| {
            PlatformError::InvalidArgument(format!(
                "`system` must be a string, not {}",
                type_name(s)
            ))
        })?,
        (None, None) => {
            return Err(PlatformError::InvalidArgument(
                "the attribute set needs `config` (a triple) or `system` (a double)".into(),
            ))
        }
    };
    let parsed = Parsed::from_string(system_str)?;
    // `parsed` and `system` are always derived from `config`; the rest of the
    // arguments override what is computed.
    let args: Cow<'_, Map<String, Value>> =
        if all_args.contains_key("parsed") || all_args.contains_key("system") {
            let mut a = all_args.clone().into_owned();
            a.remove("parsed");
            a.remove("system");
            Cow::Owned(a)
        } else {
            all_args.clone()
        };
    let mut b = Builder {
        args: &args,
        parsed,
        preds: PREDICATE_NAMES
            .iter()
            .map(|n| predicate(&parsed, n).expect("listed predicate exists"))
            .collect(),
        args_override_predicates: args.keys().any(|k| k.starts_with("is")),
        attrs: Vec::with_capacity(64),
        errors: Vec::new(),
    };
    compute(&mut b);
    let rust = compute_rust(&mut b, &all_args);
    let Builder {
        attrs: computed,
        preds,
        mut errors,
        ..
    } = b;
    // `// args`: the user's arguments replace computed attributes; `rust`
    // comes after the arguments and extends them. Three sorted runs
    // (computed, predicates, arguments) are merged by name.
    let mut computed: Vec<(&str, Value)> = computed
        .into_iter()
        .filter(|(k, _)| !args.contains_key(*k))
        .collect();
    if let Some(r) = rust {
        computed.push(("rust", r));
    }
    computed.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let predicates = PREDICATE_NAMES
        .iter()
        .zip(preds)
        .filter(|(k, _)| !args.contains_key(**k))
        .map(|(k, v)| (*k, Value::Bool(v)));
    let mut given: Vec<(&str, Value)> = Vec::with_capacity(args.len());
    for (k, v) in args.iter() {
        if k == "rust" {
            continue;
        }
        errors.retain(|(p, _)| {
            !(p == k
                || p.strip_prefix(k.as_str())
                    .is_some_and(|r| r.starts_with('.')))
        });
        given.push((k.as_str(), sort_value(v.clone())));
    }
    given.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let owned = |(k, v): (&str, Value)| (k.to_string(), v);
    let attrs = merge_runs(
        merge_runs(computed.into_iter().map(owned), predicates.map(owned)).into_iter(),
        given.into_iter().map(owned),
    );
    let platform = Platform {
        parsed,
        parsed_json: std::sync::OnceLock::new(),
        attrs,
        errors,
    };
    platform.check_assertions()?;
    Ok(platform)
}

fn compute(b: &mut Builder) {
    let p = b.parsed;
    b.set("system", Ok(json!(p.double())));
    b.set("config", Ok(json!(p.triple())));
    let gcc = match b.args.get("gcc") {
        Some(g) => Ok(g.clone()),
        None => select_gcc(b),
    };
    b.set("gcc", gcc);
    // architectures.predicates applied to `final.gcc.arch or "default"`
    let arch: R<String> = b.get("gcc").and_then(|g| match g.get("arch") {
        Some(a) => want_str(a).map(str::to_string),
        None => Ok("default".to_string()),
    });
    for (attr, feature) in FEATURE_PREDICATES {
        let v = arch.clone().map(|a| json!(supports(&a, feature)));
        b.set(attr, v);
    }
    let v = (|| Ok(json!(b.p(idx::IS_FREE_BSD)? || b.p(idx::IS_OPEN_BSD)?)))();
    b.set("useLLVM", v);
    let v = libc(b);
    b.set("libc", v);
    let v = (|| {
        let llvm = match b.get("useLLVM") {
            Ok(v) => want_bool(v)?,
            Err(_) => false,
        };
        Ok(json!(if llvm {
            "lld"
        } else if b.p(idx::IS_DARWIN)? {
            "cctools"
        } else {
            "bfd"
        }))
    })();
    b.set("linker", v);
    let v = (|| Ok(json!(b.p(idx::IS_WASI)? || b.p(idx::IS_REDOX)?)))();
    b.set("isStatic", v);
    let v = (|| {
        let any = [
            idx::IS_ANDROID,
            idx::IS_GNU,
            idx::IS_MUSL,
            idx::IS_DARWIN,
            idx::IS_SUN_OS,
            idx::IS_OPEN_BSD,
            idx::IS_FREE_BSD,
            idx::IS_NET_BSD,
            idx::IS_CYGWIN,
            idx::IS_MIN_GW,
            idx::IS_WINDOWS,
            idx::IS_WASM,
        ]
        .iter()
        .try_fold(false, |acc, k| Ok::<bool, String>(acc || b.p(*k)?))?;
        Ok(json!(any && !b.b("isStatic")?))
    })();
    b.set("hasSharedLibraries", v);
    let v = (|| {
        Ok(if b.p(idx::IS_LINUX)? {
            json!(
                if b.p(idx::ISX86_64)? || b.p(idx::IS_MIPS64)? || b.p(idx::IS_POWER64)? {
                    "lib64"
                } else {
                    "lib"
                }
            )
        } else {
            Value::Null
        })
    })();
    b.set("libDir", v);
    extensions(b);
    b.set("useAndroidPrebuilt", Ok(json!(false)));
    b.set("useiOSPrebuilt", Ok(json!(false)));
    let v = darwin_arch(b);
    b.set("darwinArch", v);
    let v = uname(b);
    b.set("uname", v);
    b.set(
        "rustc",
        Ok(b.args.get("rustc").cloned().unwrap_or_else(|| json!({}))),
    );
    let v = linux_arch(b);
    b.set("linuxArch", v);
    let v = (|| {
        Ok(if b.p(idx::ISX86_32)? {
            json!("x86")
        } else if b.p(idx::IS_MIPS64)? {
            json!("mips64")
        } else {
            b.get("linuxArch")?.clone()
        })
    })();
    b.set("ubootArch", v);
    let v = qemu_arch(b);
    b.set("qemuArch", v);
    let v = (|| {
        Ok(json!(if b.p(idx::ISX86_32)? {
            "ia32"
        } else if b.p(idx::ISX86_64)? {
            "x64"
        } else if b.p(idx::IS_AARCH32)? {
            "arm"
        } else if b.p(idx::IS_AARCH64)? {
            "aa64"
        } else {
            p.cpu.name
        }))
    })();
    b.set("efiArch", v);
    let v = (|| {
        Ok(if b.p(idx::IS_MAC_OS)? {
            json!("macos")
        } else if b.p(idx::ISI_OS)? {
            json!("ios")
        } else {
            Value::Null
        })
    })();
    b.set("darwinPlatform", v);
    let v = b.get("sdkVer").cloned().or_else(|_| Ok(json!("14.4")));
    b.set("darwinSdkVersion", v);
    b.set("darwinMinVersion", Ok(json!("14.0")));
    let v = (|| {
        Ok(if b.p(idx::IS_MAC_OS)? {
            json!("MACOSX_DEPLOYMENT_TARGET")
        } else if b.p(idx::ISI_OS)? {
            json!("IPHONEOS_DEPLOYMENT_TARGET")
        } else {
            Value::Null
        })
    })();
    b.set("darwinMinVersionVariable", v);
    let a = b.args;
    let v = if a.contains_key("sdkVer") && !a.contains_key("androidSdkVersion") {
        Err("For android `sdkVer` has been renamed to `androidSdkVersion`".to_string())
    } else {
        Ok(a.get("androidSdkVersion").cloned().unwrap_or(Value::Null))
    };
    b.set("androidSdkVersion", v);
    let v = if a.contains_key("ndkVer") && !a.contains_key("androidNdkVersion") {
        Err("For android `ndkVer` has been renamed to `androidNdkVersion`".to_string())
    } else if a.contains_key("androidSdkVersion") {
        a.get("androidNdkVersion")
            .cloned()
            .ok_or_else(|| "attribute 'androidNdkVersion' missing".to_string())
    } else {
        Ok(Value::Null)
    };
    b.set("androidNdkVersion", v);
    go(b);
    node(b);
    nim(b);
}

/// nixpkgs' `platforms.select`: the GCC settings guessed from the system.
fn select_gcc(b: &Builder) -> R<Value> {
    let p = b.parsed;
    Ok(if b.p(idx::ISX86)? {
        json!({})
    } else if b.p(idx::IS_AARCH32)? {
        match p.cpu.version {
            None => json!({}),
            Some(v) if !crate::parse::version_at_least(v, "6") => json!({"arch": "armv5te"}),
            Some(v) if !crate::parse::version_at_least(v, "7") => {
                json!({"arch": "armv6kz", "fpu": "vfpv2"})
            }
            Some(_) => json!({"arch": "armv7-a", "fpu": "vfpv3-d16"}),
        }
    } else if b.p(idx::IS_AARCH64)? {
        if b.p(idx::IS_DARWIN)? {
            json!({"arch": "armv8.3-a+crypto+sha2+aes+crc+fp16+lse+simd+ras+rdm+rcpc", "cpu": "apple-a13"})
        } else {
            json!({"arch": "armv8-a"})
        }
    } else if b.p(idx::IS_LOONG_ARCH64)? {
        json!({"arch": "la64v1.0", "cmodel": "medium", "strict-align": false})
    } else if p.cpu.name == "mipsel" {
        json!({"abi": "32", "arch": "mips32r2"})
    } else {
        json!({})
    })
}

fn libc(b: &Builder) -> R<Value> {
    let order: &[(usize, Option<&str>)] = &[
        (idx::IS_DARWIN, Some("libSystem")),
        (idx::IS_MSVC, Some("ucrt")),
        (idx::IS_MIN_GW, Some("msvcrt")),
        (idx::IS_WASI, Some("wasilibc")),
    ];
    for (k, v) in order {
        if b.p(*k)? {
            return Ok(opt_str(*v));
        }
    }
    if b.p(idx::IS_WASM)? && !b.p(idx::IS_WASI)? {
        return Ok(Value::Null);
    }
    let rest: &[(usize, Option<&str>)] = &[
        (idx::IS_REDOX, Some("relibc")),
        (idx::IS_MUSL, Some("musl")),
        (idx::IS_UCLIBC, Some("uclibc")),
        (idx::IS_ANDROID, Some("bionic")),
        (idx::IS_LINUX, Some("glibc")),
        (idx::IS_FREE_BSD, Some("fblibc")),
        (idx::IS_OPEN_BSD, Some("oblibc")),
        (idx::IS_NET_BSD, Some("nblibc")),
        (idx::IS_CYGWIN, Some("cygwin")),
        (idx::IS_AVR, Some("avrlibc")),
        (idx::IS_GHCJS, None),
        (idx::IS_NONE, Some("newlib")),
    ];
    for (k, v) in rest {
        if b.p(*k)? {
            return Ok(opt_str(*v));
        }
    }
    Ok(json!("native/impure"))
}

/// Merge two runs sorted by name.
fn merge_runs(
    a: impl Iterator<Item = (String, Value)>,
    b: impl Iterator<Item = (String, Value)>,
) -> Vec<(String, Value)> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    let mut out = Vec::with_capacity(a.size_hint().0 + b.size_hint().0);
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0 <= y.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// Recursively sort attribute names, as Nix orders attribute sets.
fn sort_value_map(m: Map<String, Value>) -> Map<String, Value> {
    let mut v: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k, sort_value(v))).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.into_iter().collect()
}

fn sort_value(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(sort_value_map(m)),
        Value::Array(a) => Value::Array(a.into_iter().map(sort_value).collect()),
        other => other,
    }
}

/// Attributes of the elaborated platform that are functions in nixpkgs.
pub static FUNCTION_ATTRS: &[&str] = &[
    "canExecute",
    "isCompatible",
    "emulator",
    "emulatorAvailable",
    "staticEmulatorAvailable",
];

/// `elaborate` as a pure function on JSON-like values, for the evaluator's
/// builtin: the argument is a system string or an attribute set, the result
/// every non-function attribute that evaluates (see [`Platform::to_json`]).
pub fn elaborate_value(arg: &Value) -> Result<Value, PlatformError> {
    elaborate(arg).map(|p| p.to_json())
}
