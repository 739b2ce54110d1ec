//! What language toolchains call a platform: Go, Node.js, Nim and Rust.

use serde_json::{json, Map, Value};

use crate::inspect::idx;

use super::{opt_str, sort_value, type_name, want_str, Builder, R};

pub(super) fn go(b: &mut Builder) {
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

pub(super) fn node(b: &mut Builder) {
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

pub(super) fn nim(b: &mut Builder) {
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
pub(super) fn compute_rust(b: &mut Builder, all_args: &Map<String, Value>) -> Option<Value> {
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

pub(super) fn rust(b: &Builder, args: &Map<String, Value>) -> R<RustParts> {
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
