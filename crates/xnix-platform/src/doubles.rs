//! nixpkgs' `lib.systems.doubles`: the list of known doubles and its subsets
//! (`linux`, `darwin`, `arm`, `x86_64`, ...), each derived by filtering the
//! parsed doubles with an inspect predicate, as nixpkgs does.

use crate::inspect::predicate;
use crate::parse::Parsed;

/// Every double nixpkgs lists in `lib.systems.doubles.all`, in its order.
pub static ALL: &[&str] = &[
    // Cygwin
    "i686-cygwin",
    "x86_64-cygwin",
    // Darwin
    "x86_64-darwin",
    "i686-darwin",
    "aarch64-darwin",
    "armv7a-darwin",
    // FreeBSD
    "i686-freebsd",
    "x86_64-freebsd",
    "aarch64-freebsd",
    // Genode
    "aarch64-genode",
    "i686-genode",
    "x86_64-genode",
    // illumos
    "x86_64-solaris",
    // JS
    "javascript-ghcjs",
    // Linux
    "aarch64-linux",
    "armv5tel-linux",
    "armv6l-linux",
    "armv7a-linux",
    "armv7l-linux",
    "i686-linux",
    "loongarch64-linux",
    "m68k-linux",
    "microblaze-linux",
    "microblazeel-linux",
    "mips-linux",
    "mips64-linux",
    "mips64el-linux",
    "mipsel-linux",
    "powerpc-linux",
    "powerpc64-linux",
    "powerpc64le-linux",
    "riscv32-linux",
    "riscv64-linux",
    "s390-linux",
    "s390x-linux",
    "x86_64-linux",
    // MMIXware
    "mmix-mmixware",
    // NetBSD
    "aarch64-netbsd",
    "armv6l-netbsd",
    "armv7a-netbsd",
    "armv7l-netbsd",
    "i686-netbsd",
    "m68k-netbsd",
    "mipsel-netbsd",
    "powerpc-netbsd",
    "riscv32-netbsd",
    "riscv64-netbsd",
    "x86_64-netbsd",
    // none
    "aarch64_be-none",
    "aarch64-none",
    "arm-none",
    "armv6l-none",
    "avr-none",
    "i686-none",
    "microblaze-none",
    "microblazeel-none",
    "mips-none",
    "mips64-none",
    "msp430-none",
    "or1k-none",
    "m68k-none",
    "powerpc-none",
    "powerpcle-none",
    "riscv32-none",
    "riscv64-none",
    "rx-none",
    "s390-none",
    "s390x-none",
    "vc4-none",
    "x86_64-none",
    // OpenBSD
    "i686-openbsd",
    "x86_64-openbsd",
    // Redox
    "x86_64-redox",
    // WASI
    "wasm64-wasi",
    "wasm32-wasi",
    // Windows
    "aarch64-windows",
    "x86_64-windows",
    "i686-windows",
];

/// The named subsets of [`ALL`] and the predicate that selects each.
pub static SUBSETS: &[(&str, &str)] = &[
    ("arm", "isAarch32"),
    ("armv7", "isArmv7"),
    ("aarch", "isAarch"),
    ("aarch64", "isAarch64"),
    ("x86", "isx86"),
    ("i686", "isi686"),
    ("x86_64", "isx86_64"),
    ("microblaze", "isMicroBlaze"),
    ("mips", "isMips"),
    ("mmix", "isMmix"),
    ("power", "isPower"),
    ("riscv", "isRiscV"),
    ("riscv32", "isRiscV32"),
    ("riscv64", "isRiscV64"),
    ("rx", "isRx"),
    ("vc4", "isVc4"),
    ("or1k", "isOr1k"),
    ("m68k", "isM68k"),
    ("s390", "isS390"),
    ("s390x", "isS390x"),
    ("loongarch64", "isLoongArch64"),
    ("js", "isJavaScript"),
    ("bigEndian", "isBigEndian"),
    ("littleEndian", "isLittleEndian"),
    ("cygwin", "isCygwin"),
    ("darwin", "isDarwin"),
    ("freebsd", "isFreeBSD"),
    ("illumos", "isSunOS"),
    ("linux", "isLinux"),
    ("netbsd", "isNetBSD"),
    ("openbsd", "isOpenBSD"),
    ("unix", "isUnix"),
    ("wasi", "isWasi"),
    ("redox", "isRedox"),
    ("windows", "isWindows"),
    ("genode", "isGenode"),
    ("embedded", "isNone"),
];

/// ABIs that make a Linux double part of the `gnu` list, in nixpkgs' order.
const GNU_ABIS: &[&str] = &[
    "gnu",
    "gnueabi",
    "gnueabihf",
    "gnuabin32",
    "gnuabi64",
    "gnuabielfv1",
    "gnuabielfv2",
];

/// Names of every list [`list`] answers, `all` and `none` included.
pub fn list_names() -> Vec<&'static str> {
    let mut v = vec!["all", "none", "gnu"];
    v.extend(SUBSETS.iter().map(|(n, _)| *n));
    v
}

fn parsed_all() -> impl Iterator<Item = Parsed> {
    ALL.iter()
        .map(|d| Parsed::from_string(d).expect("every listed double parses"))
}

/// The doubles list `name` (`all`, `linux`, `aarch64`, `gnu`, ...), or
/// `None` if nixpkgs has no such list.
pub fn list(name: &str) -> Option<Vec<String>> {
    match name {
        "all" => Some(ALL.iter().map(|s| s.to_string()).collect()),
        "none" => Some(Vec::new()),
        "gnu" => Some(
            GNU_ABIS
                .iter()
                .flat_map(|abi| {
                    parsed_all()
                        .filter(move |p| p.kernel.name == "linux" && p.abi.name == *abi)
                        .map(|p| p.double())
                        .collect::<Vec<_>>()
                })
                .collect(),
        ),
        _ => {
            let pred = SUBSETS.iter().find(|(n, _)| *n == name)?.1;
            Some(
                parsed_all()
                    .filter(|p| predicate(p, pred) == Some(true))
                    .map(|p| p.double())
                    .collect(),
            )
        }
    }
}

/// CPU names that appear in [`ALL`]: the ones worth suggesting first.
pub fn common_components() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for d in ALL {
        let c = d.split('-').next().unwrap_or(d);
        if !v.contains(&c) {
            v.push(c);
        }
    }
    v
}
