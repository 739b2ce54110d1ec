//! Names other tools give a platform: file extensions, `uname`, the Linux
//! kernel's and QEMU's architecture names, Darwin's architecture.

use serde_json::{json, Map, Value};

use crate::inspect::idx;

use super::{opt_str, sort_value, Builder, R};

pub(super) fn extensions(b: &mut Builder) {
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

pub(super) fn darwin_arch(b: &Builder) -> R<Value> {
    Ok(json!(match b.parsed.cpu.name {
        "aarch64" => "arm64",
        other => other,
    }))
}

pub(super) fn uname(b: &Builder) -> R<Value> {
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

pub(super) fn linux_arch(b: &Builder) -> R<Value> {
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

pub(super) fn qemu_arch(b: &Builder) -> R<Value> {
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
