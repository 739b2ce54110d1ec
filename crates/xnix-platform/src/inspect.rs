//! nixpkgs' `lib.systems.inspect` predicates (`isLinux`, `isAarch64`, ...),
//! evaluated on a [`Parsed`] platform.

use crate::parse::{Endian, Parsed};

/// Names of every predicate, in alphabetical order (as Nix lists attributes).
pub static PREDICATE_NAMES: &[&str] = &[
    "is32bit",
    "is64bit",
    "isAarch",
    "isAarch32",
    "isAarch64",
    "isAbiElfv1",
    "isAbiElfv2",
    "isAlpha",
    "isAndroid",
    "isArc",
    "isArmv7",
    "isAvr",
    "isBSD",
    "isBigEndian",
    "isCygwin",
    "isDarwin",
    "isEabi",
    "isEfi",
    "isElf",
    "isFreeBSD",
    "isGenode",
    "isGhcjs",
    "isGnu",
    "isILP32",
    "isJavaScript",
    "isLinux",
    "isLittleEndian",
    "isLoongArch64",
    "isM68k",
    "isMacOS",
    "isMacho",
    "isMicroBlaze",
    "isMinGW",
    "isMips",
    "isMips32",
    "isMips64",
    "isMips64n32",
    "isMips64n64",
    "isMmix",
    "isMsp430",
    "isMsvc",
    "isMusl",
    "isNetBSD",
    "isNone",
    "isOpenBSD",
    "isOr1k",
    "isPE",
    "isPower",
    "isPower64",
    "isRedox",
    "isRiscV",
    "isRiscV32",
    "isRiscV64",
    "isRx",
    "isS390",
    "isS390x",
    "isSh4",
    "isSparc",
    "isSparc64",
    "isSunOS",
    "isUClibc",
    "isUefi",
    "isUnix",
    "isVc4",
    "isWasi",
    "isWasm",
    "isWindows",
    "isi686",
    "isiOS",
    "isx86",
    "isx86_32",
    "isx86_64",
];

/// Evaluate the predicate `name` on `p`; `None` if there is no such predicate.
pub fn predicate(p: &Parsed, name: &str) -> Option<bool> {
    let c = p.cpu;
    let fam = |f: &str| c.family == f;
    let famb = |f: &str, b: u32| c.family == f && c.bits == b;
    let k = p.kernel.name;
    let bsd = p.kernel.families.contains(&"bsd");
    let darwin = p.kernel.families.contains(&"darwin");
    let abi = p.abi.name;
    let abi_attr = p.abi.abi;
    let linux = k == "linux";
    Some(match name {
        "isi686" => c.name == "i686",
        "isx86_32" => famb("x86", 32),
        "isx86_64" => famb("x86", 64),
        "isPower" => fam("power"),
        "isPower64" => famb("power", 64),
        "isAbiElfv1" => abi_attr == Some("elfv1"),
        "isAbiElfv2" => abi_attr == Some("elfv2") || (abi == "musl" && famb("power", 64)),
        "isx86" => fam("x86"),
        "isAarch32" => famb("arm", 32),
        "isArmv7" => c.arch.is_some_and(|a| a.starts_with("armv7")),
        "isAarch64" => famb("arm", 64),
        "isAarch" => fam("arm"),
        "isArc" => fam("arc"),
        "isMicroBlaze" => fam("microblaze"),
        "isMips" => fam("mips"),
        "isMips32" => famb("mips", 32),
        "isMips64" => famb("mips", 64),
        "isMips64n32" => famb("mips", 64) && abi_attr == Some("n32"),
        "isMips64n64" => famb("mips", 64) && abi_attr == Some("64"),
        "isMmix" => fam("mmix"),
        "isRiscV" => fam("riscv"),
        "isRiscV32" => famb("riscv", 32),
        "isRiscV64" => famb("riscv", 64),
        "isRx" => fam("rx"),
        "isSh4" => c.name == "sh4",
        "isSparc" => fam("sparc"),
        "isSparc64" => famb("sparc", 64),
        "isWasm" => fam("wasm"),
        "isMsp430" => fam("msp430"),
        "isVc4" => fam("vc4"),
        "isAvr" => fam("avr"),
        "isAlpha" => fam("alpha"),
        "isOr1k" => fam("or1k"),
        "isM68k" => fam("m68k"),
        "isS390" => fam("s390"),
        "isS390x" => famb("s390", 64),
        "isLoongArch64" => famb("loongarch", 64),
        "isJavaScript" => c.name == "javascript",
        "is32bit" => c.bits == 32,
        "is64bit" => c.bits == 64,
        "isILP32" => famb("wasm", 32) || matches!(abi_attr, Some("n32" | "ilp32" | "x32")),
        "isBigEndian" => c.significant_byte == Some(Endian::Big),
        "isLittleEndian" => c.significant_byte == Some(Endian::Little),
        "isBSD" => bsd,
        "isDarwin" => darwin,
        "isUnix" => bsd || darwin || linux || k == "solaris" || k == "cygwin" || k == "redox",
        "isMacOS" => k == "darwin",
        "isiOS" => k == "ios",
        "isLinux" => linux,
        "isSunOS" => k == "solaris",
        "isFreeBSD" => k == "freebsd",
        "isNetBSD" => k == "netbsd",
        "isOpenBSD" => k == "openbsd",
        "isWindows" => k == "windows",
        "isCygwin" => k == "cygwin",
        "isMinGW" => k == "windows" && abi == "gnu",
        "isMsvc" => k == "windows" && abi == "msvc",
        "isWasi" => k == "wasi",
        "isRedox" => k == "redox",
        "isGhcjs" => k == "ghcjs",
        "isGenode" => k == "genode",
        "isNone" => k == "none",
        "isUefi" => k == "uefi",
        "isAndroid" => matches!(abi, "android" | "androideabi"),
        "isGnu" => matches!(
            abi,
            "gnuabi64"
                | "gnuabin32"
                | "gnu"
                | "gnueabi"
                | "gnueabihf"
                | "gnuabielfv1"
                | "gnuabielfv2"
        ),
        "isMusl" => matches!(
            abi,
            "musl" | "musleabi" | "musleabihf" | "muslabin32" | "muslabi64"
        ),
        "isUClibc" => matches!(abi, "uclibc" | "uclibceabi" | "uclibceabihf"),
        "isEabi" => p.abi.eabi,
        "isEfi" => {
            (fam("arm") && matches!(c.version, Some("6" | "7" | "8")))
                || fam("riscv")
                || fam("x86")
                || fam("loongarch")
        }
        "isElf" => p.kernel.exec_format == "elf",
        "isMacho" => p.kernel.exec_format == "macho",
        "isPE" => p.kernel.exec_format == "pe",
        _ => return None,
    })
}
