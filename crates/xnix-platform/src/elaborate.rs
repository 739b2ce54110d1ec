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
use crate::parse::{is_compatible, Parsed};

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

fn extensions(b: &mut Builder) {
    let r = (|| -> R<(Map<String, Value>, Option<String>)> {
        let windows = b.p(idx::IS_WINDOWS)?;
        let cygwin = b.p(idx::IS_CYGWIN)?;
        let mut m = Map::new();
        if b.b("hasSharedLibraries")? {
            let ext = if b.p(idx::IS_DARWIN)? {
                ".dylib"
            } else if windows || cygwin {
                ".dll"
            } else {
                ".so"
            };
            m.insert("sharedLibrary".into(), json!(ext));
        }
        m.insert(
            "staticLibrary".into(),
            json!(if windows { ".lib" } else { ".a" }),
        );
        m.insert(
            "executable".into(),
            json!(if windows || cygwin { ".exe" } else { "" }),
        );
        // `library` reads `final.extensions`, which the user may override.
        let exts = match b.args.get("extensions") {
            Some(e) => e.clone(),
            None => Value::Object(m.clone()),
        };
        let key = if b.b("isStatic")? {
            "staticLibrary"
        } else {
            "sharedLibrary"
        };
        let mut err = None;
        match exts.get(key) {
            Some(v) => {
                m.insert("library".into(), v.clone());
            }
            None => err = Some(format!("attribute '{key}' missing")),
        }
        Ok((m, err))
    })();
    match r {
        Ok((m, err)) => {
            b.attrs.push(("extensions", sort_value(Value::Object(m))));
            if let Some(e) = err {
                b.errors.push(("extensions.library".into(), e));
            }
        }
        Err(e) => b.errors.push(("extensions".into(), e)),
    }
}

fn darwin_arch(b: &Builder) -> R<Value> {
    Ok(json!(match b.parsed.cpu.name {
        "aarch64" => "arm64",
        other => other,
    }))
}

fn uname(b: &Builder) -> R<Value> {
    let p = b.parsed;
    let system = match p.kernel.name {
        "linux" => Some("Linux"),
        "windows" => Some("Windows"),
        "darwin" => Some("Darwin"),
        "netbsd" => Some("NetBSD"),
        "freebsd" => Some("FreeBSD"),
        "openbsd" => Some("OpenBSD"),
        "wasi" => Some("Wasi"),
        "redox" => Some("Redox"),
        "genode" => Some("Genode"),
        "cygwin" => Some("CYGWIN_NT"),
        _ => None,
    };
    let le = b.p(idx::IS_LITTLE_ENDIAN)?;
    let processor = if b.p(idx::IS_POWER64)? {
        json!(format!("ppc64{}", if le { "le" } else { "" }))
    } else if b.p(idx::IS_POWER)? {
        json!(format!("ppc{}", if le { "le" } else { "" }))
    } else if b.p(idx::IS_MIPS64)? {
        json!("mips64")
    } else if b.p(idx::IS_DARWIN)? {
        b.get("darwinArch")?.clone()
    } else {
        json!(p.cpu.name)
    };
    Ok(json!({"processor": processor, "release": null, "system": opt_str(system)}))
}

fn linux_arch(b: &Builder) -> R<Value> {
    let table: &[(usize, &str)] = &[
        (idx::IS_AARCH32, "arm"),
        (idx::IS_AARCH64, "arm64"),
        (idx::ISX86_32, "i386"),
        (idx::ISX86_64, "x86_64"),
        (idx::IS_MICRO_BLAZE, "microblaze"),
        (idx::IS_MIPS32, "mips"),
        (idx::IS_MIPS64, "mips"),
        (idx::IS_POWER, "powerpc"),
        (idx::IS_RISC_V, "riscv"),
        (idx::IS_S390, "s390"),
        (idx::IS_LOONG_ARCH64, "loongarch"),
        (idx::IS_SH4, "sh"),
    ];
    for (k, v) in table {
        if b.p(*k)? {
            return Ok(json!(v));
        }
    }
    Ok(json!(b.parsed.cpu.name))
}

fn qemu_arch(b: &Builder) -> R<Value> {
    let le = if b.p(idx::IS_LITTLE_ENDIAN)? {
        "el"
    } else {
        ""
    };
    let ple = if b.p(idx::IS_LITTLE_ENDIAN)? {
        "le"
    } else {
        ""
    };
    Ok(if b.p(idx::IS_AARCH32)? {
        json!("arm")
    } else if b.p(idx::IS_S390)? && !b.p(idx::IS_S390X)? {
        Value::Null
    } else if b.p(idx::ISX86_64)? {
        json!("x86_64")
    } else if b.p(idx::ISX86)? {
        json!("i386")
    } else if b.p(idx::IS_MIPS64N32)? {
        json!(format!("mipsn32{le}"))
    } else if b.p(idx::IS_MIPS64)? {
        json!(format!("mips64{le}"))
    } else if b.p(idx::IS_POWER64)? {
        json!(format!("ppc64{ple}"))
    } else if b.p(idx::IS_POWER)? {
        json!(format!("ppc{ple}"))
    } else {
        json!(b.parsed.cpu.name)
    })
}

fn go(b: &mut Builder) {
    let p = b.parsed;
    let goarch = match p.cpu.name {
        "aarch64" => Some("arm64"),
        "arm" | "armv5tel" | "armv6l" | "armv7l" => Some("arm"),
        "i686" => Some("386"),
        "loongarch64" => Some("loong64"),
        "mips" => Some("mips"),
        "mips64el" => Some("mips64le"),
        "mipsel" => Some("mipsle"),
        "powerpc64" => Some("ppc64"),
        "powerpc64le" => Some("ppc64le"),
        "riscv64" => Some("riscv64"),
        "s390x" => Some("s390x"),
        "x86_64" => Some("amd64"),
        "wasm32" => Some("wasm"),
        _ => None,
    };
    let goos = b.p(idx::IS_WASI).map(|w| {
        if w {
            json!("wasip1")
        } else {
            json!(p.kernel.name)
        }
    });
    // GOARM is only meaningful for ARMv5 to ARMv7.
    let goarm = p
        .cpu
        .version
        .filter(|v| matches!(*v, "5" | "6" | "7"))
        .unwrap_or("");
    let mut m = Map::new();
    m.insert("GOARCH".into(), opt_str(goarch));
    m.insert("GOARM".into(), json!(goarm));
    match goos {
        Ok(v) => {
            m.insert("GOOS".into(), v);
        }
        Err(e) => b.errors.push(("go.GOOS".into(), e)),
    }
    b.attrs.push(("go", Value::Object(m)));
}

fn node(b: &mut Builder) {
    let arch = (|| -> R<Option<&str>> {
        let le = b.p(idx::IS_LITTLE_ENDIAN)?;
        let b64 = b.p(idx::IS64BIT)?;
        Ok(if b.p(idx::IS_AARCH)? {
            Some(if b64 { "arm64" } else { "arm" })
        } else if b.p(idx::ISX86_32)? {
            Some("ia32")
        } else if b.p(idx::ISX86_64)? {
            Some("x64")
        } else if b.p(idx::IS_LOONG_ARCH64)? {
            Some("loong64")
        } else if b.p(idx::IS_MIPS32)? {
            Some(if le { "mipsel" } else { "mips" })
        } else if b.p(idx::IS_MIPS64)? && le {
            Some("mips64el")
        } else if b.p(idx::IS_POWER)? {
            Some(if b64 { "ppc64" } else { "ppc" })
        } else if b.p(idx::IS_RISC_V64)? {
            Some("riscv64")
        } else if b.p(idx::IS_S390X)? {
            Some("s390x")
        } else {
            None
        })
    })();
    let platform = (|| -> R<Option<&str>> {
        Ok(if b.p(idx::IS_ANDROID)? {
            Some("android")
        } else if b.p(idx::IS_DARWIN)? {
            Some("darwin")
        } else if b.p(idx::IS_FREE_BSD)? {
            Some("freebsd")
        } else if b.p(idx::IS_LINUX)? {
            Some("linux")
        } else if b.p(idx::IS_OPEN_BSD)? {
            Some("openbsd")
        } else if b.p(idx::IS_SUN_OS)? {
            Some("sunos")
        } else if b.p(idx::IS_WINDOWS)? || b.p(idx::IS_CYGWIN)? {
            Some("win32")
        } else {
            None
        })
    })();
    let mut m = Map::new();
    for (k, v) in [("arch", arch), ("platform", platform)] {
        match v {
            Ok(v) => {
                m.insert(k.into(), opt_str(v));
            }
            Err(e) => b.errors.push((format!("node.{k}"), e)),
        }
    }
    b.attrs.push(("node", Value::Object(m)));
}

fn nim(b: &mut Builder) {
    let cpu = (|| -> R<Option<&str>> {
        let b64 = b.p(idx::IS64BIT)?;
        Ok(if b.p(idx::IS_AARCH32)? {
            Some("arm")
        } else if b.p(idx::IS_AARCH64)? {
            Some("arm64")
        } else if b.p(idx::IS_ALPHA)? {
            Some("alpha")
        } else if b.p(idx::IS_AVR)? {
            Some("avr")
        } else if b.p(idx::IS_MIPS)? {
            // nixpkgs tests `is32Bit`, an attribute that does not exist, so
            // this branch always fails there.
            let is32 = b.b("is32Bit")?;
            Some(if is32 { "mips" } else { "mips64" })
        } else if b.p(idx::IS_MSP430)? {
            Some("msp430")
        } else if b.p(idx::IS_POWER)? {
            Some(if b64 { "powerpc64" } else { "powerpc" })
        } else if b.p(idx::IS_RISC_V)? && b64 {
            Some("riscv64")
        } else if b.p(idx::IS_SPARC)? {
            Some("sparc")
        } else if b.p(idx::ISX86_32)? {
            Some("i386")
        } else if b.p(idx::ISX86_64)? {
            Some("amd64")
        } else {
            None
        })
    })();
    let os = (|| -> R<Option<&str>> {
        let table: &[(usize, &str)] = &[
            (idx::IS_ANDROID, "Android"),
            (idx::IS_DARWIN, "MacOSX"),
            (idx::IS_FREE_BSD, "FreeBSD"),
            (idx::IS_GENODE, "Genode"),
            (idx::IS_LINUX, "Linux"),
            (idx::IS_NET_BSD, "NetBSD"),
            (idx::IS_NONE, "Standalone"),
            (idx::IS_OPEN_BSD, "OpenBSD"),
            (idx::IS_WINDOWS, "Windows"),
            (idx::ISI_OS, "iOS"),
        ];
        for (k, v) in table {
            if b.p(*k)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    })();
    let mut m = Map::new();
    for (k, v) in [("cpu", cpu), ("os", os)] {
        match v {
            Ok(v) => {
                m.insert(k.into(), opt_str(v));
            }
            Err(e) => b.errors.push((format!("nim.{k}"), e)),
        }
    }
    b.attrs.push(("nim", Value::Object(m)));
}

/// The `rust` attribute, computed after the user's arguments are merged in
/// (nixpkgs merges it last so that it can extend `args.rust`).
fn compute_rust(b: &mut Builder, all_args: &Map<String, Value>) -> Option<Value> {
    match rust(b, all_args) {
        Ok((v, errs)) => {
            for (p, m) in errs {
                b.errors.push((format!("rust.{p}"), m));
            }
            Some(sort_value(v))
        }
        Err(e) => {
            b.errors.push(("rust".into(), e));
            None
        }
    }
}

type RustParts = (Value, Vec<(String, String)>);

fn rust(b: &Builder, args: &Map<String, Value>) -> R<RustParts> {
    let p = b.parsed;
    let empty = Map::new();
    let rust_arg = match args.get("rust").or_else(|| args.get("rustc")) {
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(format!(
                "value is {} while a set was expected",
                type_name(other)
            ))
        }
        None => &empty,
    };
    let rplat = match rust_arg.get("platform") {
        Some(Value::Object(m)) => Some(m),
        Some(other) => {
            return Err(format!(
                "value is {} while a set was expected",
                type_name(other)
            ))
        }
        None => None,
    };
    let arch: R<Value> = match rplat {
        Some(pl) => pl
            .get("arch")
            .cloned()
            .ok_or_else(|| "attribute 'arch' missing".to_string()),
        None => Ok(json!(if b.p(idx::IS_AARCH32)? {
            "arm"
        } else if b.p(idx::IS_MIPS64)? {
            "mips64"
        } else if b.p(idx::IS_POWER64)? {
            "powerpc64"
        } else {
            p.cpu.name
        })),
    };
    let os = match rplat {
        Some(pl) => pl.get("os").cloned().unwrap_or_else(|| json!("none")),
        None => json!(if b.p(idx::IS_DARWIN)? {
            "macos"
        } else if b.p(idx::IS_WASM)? && !b.p(idx::IS_WASI)? {
            "unknown"
        } else {
            p.kernel.name
        }),
    };
    let nested = |outer: &str| {
        args.get(outer)
            .and_then(|r| r.get("platform"))
            .and_then(|p| p.get("target-family"))
    };
    let family = if let Some(f) = nested("rust") {
        f.clone()
    } else if let Some(f) = nested("rustc") {
        if f.is_array() {
            f.clone()
        } else {
            json!([f])
        }
    } else {
        let mut v = Vec::new();
        if b.p(idx::IS_UNIX)? {
            v.push(json!("unix"));
        }
        if b.p(idx::IS_WINDOWS)? {
            v.push(json!("windows"));
        }
        if b.p(idx::IS_WASM)? {
            v.push(json!("wasm"));
        }
        Value::Array(v)
    };
    let vendor = match rplat.and_then(|pl| pl.get("vendor")) {
        Some(v) => v.clone(),
        None => json!(if p.vendor == "w64" { "pc" } else { p.vendor }),
    };
    let mut errs = Vec::new();
    let mut platform = rplat.cloned().unwrap_or_default();
    match &arch {
        Ok(a) => {
            platform.insert("arch".into(), a.clone());
        }
        Err(e) => errs.push(("platform.arch".to_string(), e.clone())),
    }
    platform.insert("os".into(), os);
    platform.insert("target-family".into(), family);
    platform.insert("vendor".into(), vendor.clone());

    let cpu_ = match rplat.and_then(|pl| pl.get("arch")) {
        Some(a) => want_str(a)?.to_string(),
        None => match p.cpu.name {
            "armv7a" | "armv7l" => "armv7",
            "armv6l" => "arm",
            "armv5tel" => "armv5te",
            "riscv32" => "riscv32gc",
            "riscv64" => "riscv64gc",
            other => other,
        }
        .to_string(),
    };
    let rustc_target: String = if let Some(t) = rust_arg
        .get("rustcTarget")
        .filter(|_| args.contains_key("rust"))
    {
        want_str(t)?.to_string()
    } else if let Some(c) = args.get("rustc").and_then(|r| r.get("config")) {
        want_str(c)?.to_string()
    } else if b.p(idx::IS_WASI)? {
        format!("{cpu_}-wasip1")
    } else {
        let abi = match p.abi.name {
            "unknown" => String::new(),
            "gnuabielfv1" | "gnuabielfv2" => "-gnu".to_string(),
            other => format!("-{other}"),
        };
        format!("{}-{}-{}{}", cpu_, want_str(&vendor)?, p.kernel.name, abi)
    };
    let spec: R<String> = match rust_arg.get("rustcTargetSpec") {
        Some(s) => want_str(s).map(str::to_string),
        None if rplat.is_some() => Err(
            "rustcTargetSpec of a custom `rust.platform` is a store file (builtins.toFile), which needs the evaluator"
                .to_string(),
        ),
        None => Ok(rustc_target.clone()),
    };
    let mut m = rust_arg.clone();
    m.insert("platform".into(), Value::Object(platform));
    m.insert("rustcTarget".into(), json!(rustc_target));
    match &spec {
        Ok(s) => {
            m.insert("rustcTargetSpec".into(), json!(s));
            let base = s.rsplit('/').next().unwrap_or(s);
            let short = base.strip_suffix(".json").unwrap_or(base);
            m.insert("cargoShortTarget".into(), json!(short));
            m.insert(
                "cargoEnvVarTarget".into(),
                json!(short.to_uppercase().replace('-', "_")),
            );
        }
        Err(e) => {
            for k in ["rustcTargetSpec", "cargoShortTarget", "cargoEnvVarTarget"] {
                m.remove(k);
                errs.push((k.to_string(), e.clone()));
            }
        }
    }
    let nostd = ["-none", "nvptx", "switch", "-uefi"]
        .iter()
        .any(|t| rustc_target.contains(t));
    m.insert("isNoStdTarget".into(), json!(nostd));
    Ok((Value::Object(m), errs))
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

    fn check_assertions(&self) -> Result<(), PlatformError> {
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
