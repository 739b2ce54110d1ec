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

/// Indices into [`PREDICATE_NAMES`], for fast lookups by the elaborator.
// The full table is kept even where the elaborator needs no constant.
#[allow(dead_code)]
pub(crate) mod idx {
    pub const IS32BIT: usize = 0;
    pub const IS64BIT: usize = 1;
    pub const IS_AARCH: usize = 2;
    pub const IS_AARCH32: usize = 3;
    pub const IS_AARCH64: usize = 4;
    pub const IS_ABI_ELFV1: usize = 5;
    pub const IS_ABI_ELFV2: usize = 6;
    pub const IS_ALPHA: usize = 7;
    pub const IS_ANDROID: usize = 8;
    pub const IS_ARC: usize = 9;
    pub const IS_ARMV7: usize = 10;
    pub const IS_AVR: usize = 11;
    pub const IS_BSD: usize = 12;
    pub const IS_BIG_ENDIAN: usize = 13;
    pub const IS_CYGWIN: usize = 14;
    pub const IS_DARWIN: usize = 15;
    pub const IS_EABI: usize = 16;
    pub const IS_EFI: usize = 17;
    pub const IS_ELF: usize = 18;
    pub const IS_FREE_BSD: usize = 19;
    pub const IS_GENODE: usize = 20;
    pub const IS_GHCJS: usize = 21;
    pub const IS_GNU: usize = 22;
    pub const IS_ILP32: usize = 23;
    pub const IS_JAVA_SCRIPT: usize = 24;
    pub const IS_LINUX: usize = 25;
    pub const IS_LITTLE_ENDIAN: usize = 26;
    pub const IS_LOONG_ARCH64: usize = 27;
    pub const IS_M68K: usize = 28;
    pub const IS_MAC_OS: usize = 29;
    pub const IS_MACHO: usize = 30;
    pub const IS_MICRO_BLAZE: usize = 31;
    pub const IS_MIN_GW: usize = 32;
    pub const IS_MIPS: usize = 33;
    pub const IS_MIPS32: usize = 34;
    pub const IS_MIPS64: usize = 35;
    pub const IS_MIPS64N32: usize = 36;
    pub const IS_MIPS64N64: usize = 37;
    pub const IS_MMIX: usize = 38;
    pub const IS_MSP430: usize = 39;
    pub const IS_MSVC: usize = 40;
    pub const IS_MUSL: usize = 41;
    pub const IS_NET_BSD: usize = 42;
    pub const IS_NONE: usize = 43;
    pub const IS_OPEN_BSD: usize = 44;
    pub const IS_OR1K: usize = 45;
    pub const IS_PE: usize = 46;
    pub const IS_POWER: usize = 47;
    pub const IS_POWER64: usize = 48;
    pub const IS_REDOX: usize = 49;
    pub const IS_RISC_V: usize = 50;
    pub const IS_RISC_V32: usize = 51;
    pub const IS_RISC_V64: usize = 52;
    pub const IS_RX: usize = 53;
    pub const IS_S390: usize = 54;
    pub const IS_S390X: usize = 55;
    pub const IS_SH4: usize = 56;
    pub const IS_SPARC: usize = 57;
    pub const IS_SPARC64: usize = 58;
    pub const IS_SUN_OS: usize = 59;
    pub const IS_UCLIBC: usize = 60;
    pub const IS_UEFI: usize = 61;
    pub const IS_UNIX: usize = 62;
    pub const IS_VC4: usize = 63;
    pub const IS_WASI: usize = 64;
    pub const IS_WASM: usize = 65;
    pub const IS_WINDOWS: usize = 66;
    pub const ISI686: usize = 67;
    pub const ISI_OS: usize = 68;
    pub const ISX86: usize = 69;
    pub const ISX86_32: usize = 70;
    pub const ISX86_64: usize = 71;
}

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

#[cfg(test)]
mod tests {
    use super::PREDICATE_NAMES;

    #[test]
    fn predicate_names_are_sorted_for_binary_search() {
        assert!(PREDICATE_NAMES.windows(2).all(|w| w[0] < w[1]));
    }
}
