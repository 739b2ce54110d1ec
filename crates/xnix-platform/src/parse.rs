//! Parsing Nix doubles (`aarch64-linux`) and GNU/LLVM triples
//! (`riscv64-unknown-linux-gnu`) into nixpkgs' structured `parsed` form, and
//! printing them back as a double (`system`) or a triple (`config`).
//!
//! The tables (CPU types, vendors, kernels, ABIs) and the skeleton rules follow
//! nixpkgs' `lib/systems/parse.nix`.

use serde_json::{json, Map, Value};

use crate::error::{ComponentKind, PlatformError};
use crate::suggest::nearest;

/// Byte order of a CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Most significant byte first.
    Big,
    /// Least significant byte first.
    Little,
}

impl Endian {
    /// nixpkgs' name for the byte order (`bigEndian` / `littleEndian`).
    pub fn name(self) -> &'static str {
        match self {
            Endian::Big => "bigEndian",
            Endian::Little => "littleEndian",
        }
    }
}

/// One entry of nixpkgs' `cpuTypes` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CpuType {
    /// Canonical name (`aarch64`, `armv7l`, ...).
    pub name: &'static str,
    /// Word size in bits.
    pub bits: u32,
    /// Byte order; `None` for 8-bit CPUs, which nixpkgs gives none.
    pub significant_byte: Option<Endian>,
    /// Family (`arm`, `x86`, `mips`, ...).
    pub family: &'static str,
    /// Architecture version (`"7"` for armv7l) where nixpkgs records one.
    pub version: Option<&'static str>,
    /// GCC `-march` style architecture name where nixpkgs records one.
    pub arch: Option<&'static str>,
}

const fn cpu(
    name: &'static str,
    bits: u32,
    sb: Option<Endian>,
    family: &'static str,
    version: Option<&'static str>,
    arch: Option<&'static str>,
) -> CpuType {
    CpuType {
        name,
        bits,
        significant_byte: sb,
        family,
        version,
        arch,
    }
}

const LE: Option<Endian> = Some(Endian::Little);
const BE: Option<Endian> = Some(Endian::Big);

/// Every CPU type nixpkgs knows, in nixpkgs' order.
pub static CPU_TYPES: &[CpuType] = &[
    cpu("arm", 32, LE, "arm", None, None),
    cpu("armv5tel", 32, LE, "arm", Some("5"), Some("armv5t")),
    cpu("armv6m", 32, LE, "arm", Some("6"), Some("armv6-m")),
    cpu("armv6l", 32, LE, "arm", Some("6"), Some("armv6")),
    cpu("armv7l", 32, LE, "arm", Some("7"), Some("armv7")),
    cpu("armv7a", 32, LE, "arm", Some("7"), Some("armv7-a")),
    cpu("armv7r", 32, LE, "arm", Some("7"), Some("armv7-r")),
    cpu("armv7m", 32, LE, "arm", Some("7"), Some("armv7-m")),
    cpu("armv8a", 32, LE, "arm", Some("8"), Some("armv8-a")),
    cpu("armv8r", 32, LE, "arm", Some("8"), Some("armv8-a")),
    cpu("armv8m", 32, LE, "arm", Some("8"), Some("armv8-m")),
    cpu("aarch64", 64, LE, "arm", Some("8"), Some("armv8-a")),
    cpu("aarch64_be", 64, BE, "arm", Some("8"), Some("armv8-a")),
    cpu("i386", 32, LE, "x86", None, Some("i386")),
    cpu("i486", 32, LE, "x86", None, Some("i486")),
    cpu("i586", 32, LE, "x86", None, Some("i586")),
    cpu("i686", 32, LE, "x86", None, Some("i686")),
    cpu("x86_64", 64, LE, "x86", None, Some("x86-64")),
    cpu("microblaze", 32, BE, "microblaze", None, None),
    cpu("microblazeel", 32, LE, "microblaze", None, None),
    cpu("mips", 32, BE, "mips", None, None),
    cpu("mipsel", 32, LE, "mips", None, None),
    cpu("mips64", 64, BE, "mips", None, None),
    cpu("mips64el", 64, LE, "mips", None, None),
    cpu("mmix", 64, BE, "mmix", None, None),
    cpu("m68k", 32, BE, "m68k", None, None),
    cpu("powerpc", 32, BE, "power", None, None),
    cpu("powerpc64", 64, BE, "power", None, None),
    cpu("powerpc64le", 64, LE, "power", None, None),
    cpu("powerpcle", 32, LE, "power", None, None),
    cpu("riscv32", 32, LE, "riscv", None, None),
    cpu("riscv64", 64, LE, "riscv", None, None),
    cpu("s390", 32, BE, "s390", None, None),
    cpu("s390x", 64, BE, "s390", None, None),
    cpu("sparc", 32, BE, "sparc", None, None),
    cpu("sparc64", 64, BE, "sparc", None, None),
    cpu("wasm32", 32, LE, "wasm", None, None),
    cpu("wasm64", 64, LE, "wasm", None, None),
    cpu("alpha", 64, LE, "alpha", None, None),
    cpu("rx", 32, LE, "rx", None, None),
    cpu("msp430", 16, LE, "msp430", None, None),
    cpu("avr", 8, None, "avr", None, None),
    cpu("vc4", 32, LE, "vc4", None, None),
    cpu("or1k", 32, BE, "or1k", None, None),
    cpu("loongarch64", 64, LE, "loongarch", None, None),
    cpu("arc", 32, LE, "arc", None, None),
    cpu("sh4", 32, LE, "sh", None, None),
    cpu("javascript", 32, LE, "javascript", None, None),
];

/// Look up a CPU type by the name used in a system string. `arm64` is the
/// Apple/LLVM spelling of `aarch64` and is accepted as such.
pub fn cpu_type(name: &str) -> Option<&'static CpuType> {
    let name = if name == "arm64" { "aarch64" } else { name };
    CPU_TYPES.iter().find(|c| c.name == name)
}

/// Every vendor nixpkgs knows.
pub static VENDORS: &[&str] = &["apple", "pc", "knuth", "w64", "none", "unknown"];

/// Executable container formats.
pub static EXEC_FORMATS: &[&str] = &["aout", "elf", "macho", "pe", "wasm", "unknown"];

/// One entry of nixpkgs' `kernels` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kernel {
    /// Name as it appears in doubles and triples (`darwin` for macOS).
    pub name: &'static str,
    /// Executable format (`elf`, `macho`, `pe`, `wasm`, `unknown`).
    pub exec_format: &'static str,
    /// Kernel families (`bsd`, `darwin`).
    pub families: &'static [&'static str],
}

const fn kernel(
    name: &'static str,
    exec_format: &'static str,
    families: &'static [&'static str],
) -> Kernel {
    Kernel {
        name,
        exec_format,
        families,
    }
}

/// Every kernel nixpkgs knows, keyed by the table name (which differs from
/// the kernel's `name` only for `macos`, whose name is `darwin`).
pub static KERNELS: &[(&str, Kernel)] = &[
    ("macos", kernel("darwin", "macho", &["darwin"])),
    ("ios", kernel("ios", "macho", &["darwin"])),
    ("freebsd", kernel("freebsd", "elf", &["bsd"])),
    ("linux", kernel("linux", "elf", &[])),
    ("netbsd", kernel("netbsd", "elf", &["bsd"])),
    ("none", kernel("none", "unknown", &[])),
    ("openbsd", kernel("openbsd", "elf", &["bsd"])),
    ("solaris", kernel("solaris", "elf", &[])),
    ("wasi", kernel("wasi", "wasm", &[])),
    ("redox", kernel("redox", "elf", &[])),
    ("windows", kernel("windows", "pe", &[])),
    ("cygwin", kernel("cygwin", "pe", &[])),
    ("ghcjs", kernel("ghcjs", "unknown", &[])),
    ("genode", kernel("genode", "elf", &[])),
    ("mmixware", kernel("mmixware", "unknown", &[])),
    ("uefi", kernel("uefi", "pe", &[])),
];

/// Alternative kernel names that map onto a table entry.
static KERNEL_ALIASES: &[(&str, &str)] = &[
    ("darwin", "macos"),
    ("watchos", "ios"),
    ("tvos", "ios"),
    ("win32", "windows"),
];

/// Look up a kernel by table name or alias.
pub fn kernel_by_key(key: &str) -> Option<&'static Kernel> {
    let key = KERNEL_ALIASES
        .iter()
        .find(|(a, _)| *a == key)
        .map(|(_, t)| *t)
        .unwrap_or(key);
    KERNELS.iter().find(|(k, _)| *k == key).map(|(_, k)| k)
}

/// A check an ABI places on the elaborated platform (nixpkgs' `assertions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbiAssertion {
    /// Fails on 32-bit ARM.
    NotAarch32(&'static str),
    /// Fails on big-endian 64-bit PowerPC.
    NotBigEndianPower64(&'static str),
}

impl AbiAssertion {
    /// The message nixpkgs throws when the assertion fails.
    pub fn message(&self) -> &'static str {
        match self {
            AbiAssertion::NotAarch32(m) | AbiAssertion::NotBigEndianPower64(m) => m,
        }
    }
}

/// One entry of nixpkgs' `abis` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Abi {
    /// ABI name (`gnu`, `musleabihf`, ...).
    pub name: &'static str,
    /// `float` attribute (`soft` / `hard`).
    pub float: Option<&'static str>,
    /// `abi` attribute (`64`, `n32`, `elfv1`, `elfv2`).
    pub abi: Option<&'static str>,
    /// `eabi = true` for the ARM/PowerPC embedded ABIs.
    pub eabi: bool,
    /// Assertions checked when a platform using this ABI is elaborated.
    pub assertions: &'static [AbiAssertion],
}

const fn abi(
    name: &'static str,
    float: Option<&'static str>,
    abi: Option<&'static str>,
    eabi: bool,
    assertions: &'static [AbiAssertion],
) -> Abi {
    Abi {
        name,
        float,
        abi,
        eabi,
        assertions,
    }
}

const GNU_ARM_MSG: &str =
    "The \"gnu\" ABI is ambiguous on 32-bit ARM. Use \"gnueabi\" or \"gnueabihf\" instead.\n";
const GNU_PPC_MSG: &str = "The \"gnu\" ABI is ambiguous on big-endian 64-bit PowerPC. Use \"gnuabielfv2\" or \"gnuabielfv1\" instead.\n";
const ANDROID_MSG: &str =
    "The \"android\" ABI is not for 32-bit ARM. Use \"androideabi\" instead.\n";

/// Every ABI nixpkgs knows.
pub static ABIS: &[Abi] = &[
    abi("msvc", None, None, false, &[]),
    abi("eabi", Some("soft"), None, true, &[]),
    abi("eabihf", Some("hard"), None, true, &[]),
    abi("elf", None, None, false, &[]),
    abi("androideabi", None, None, true, &[]),
    abi(
        "android",
        None,
        None,
        false,
        &[AbiAssertion::NotAarch32(ANDROID_MSG)],
    ),
    abi("gnueabi", Some("soft"), None, true, &[]),
    abi("gnueabihf", Some("hard"), None, true, &[]),
    abi(
        "gnu",
        None,
        None,
        false,
        &[
            AbiAssertion::NotAarch32(GNU_ARM_MSG),
            AbiAssertion::NotBigEndianPower64(GNU_PPC_MSG),
        ],
    ),
    abi("gnuabi64", None, Some("64"), false, &[]),
    abi("muslabi64", None, Some("64"), false, &[]),
    abi("gnuabielfv2", None, Some("elfv2"), false, &[]),
    abi("gnuabielfv1", None, Some("elfv1"), false, &[]),
    abi("gnuabin32", None, Some("n32"), false, &[]),
    abi("muslabin32", None, Some("n32"), false, &[]),
    abi("musleabi", Some("soft"), None, true, &[]),
    abi("musleabihf", Some("hard"), None, true, &[]),
    abi("musl", None, None, false, &[]),
    abi("uclibceabi", Some("soft"), None, true, &[]),
    abi("uclibceabihf", Some("hard"), None, true, &[]),
    abi("uclibc", None, None, false, &[]),
    abi("unknown", None, None, false, &[]),
];

/// Look up an ABI by name.
pub fn abi_by_name(name: &str) -> Option<&'static Abi> {
    ABIS.iter().find(|a| a.name == name)
}

/// nixpkgs' structured `parsed` platform: the four components of a triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parsed {
    /// The instruction set.
    pub cpu: &'static CpuType,
    /// The vendor name (one of [`VENDORS`]).
    pub vendor: &'static str,
    /// The kernel.
    pub kernel: &'static Kernel,
    /// The ABI.
    pub abi: &'static Abi,
}

/// The intermediate skeleton: component names before table lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Skeleton<'a> {
    cpu: (&'a str, usize),
    vendor: Option<(&'a str, usize)>,
    kernel: (&'a str, usize),
    abi: Option<(&'a str, usize)>,
}

fn skeleton<'a>(input: &'a str, l: &[&'a str]) -> Result<Skeleton<'a>, PlatformError> {
    let ambiguous = || PlatformError::Ambiguous {
        input: input.to_string(),
        components: l.len(),
    };
    let sk = |cpu: usize,
              vendor: Option<(&'a str, usize)>,
              kernel: (&'a str, usize),
              abi: Option<(&'a str, usize)>| Skeleton {
        cpu: (l[cpu], cpu),
        vendor,
        kernel,
        abi,
    };
    match l.len() {
        1 => {
            if l[0] == "avr" {
                Ok(sk(
                    0,
                    None,
                    ("none", usize::MAX),
                    Some(("unknown", usize::MAX)),
                ))
            } else {
                Err(ambiguous())
            }
        }
        2 => Ok(match l[1] {
            "cygwin" => sk(0, Some(("pc", usize::MAX)), ("cygwin", 1), None),
            // MSVC is the ABI of plain `*-windows`; MinGW is spelled out.
            "windows" => sk(0, None, ("windows", 1), Some(("msvc", usize::MAX))),
            "elf" => sk(
                0,
                Some(("unknown", usize::MAX)),
                ("none", usize::MAX),
                Some(("elf", 1)),
            ),
            _ => sk(0, None, (l[1], 1), None),
        }),
        3 => {
            // cpu-kernel-environment
            if l[1] == "linux" || matches!(l[2], "eabi" | "eabihf" | "elf" | "gnu") {
                Ok(sk(
                    0,
                    Some(("unknown", usize::MAX)),
                    (l[1], 1),
                    Some((l[2], 2)),
                ))
            }
            // cpu-vendor-os
            else if l[1] == "apple"
                || matches!(
                    l[2],
                    "redox" | "mmixware" | "ghcjs" | "mingw32" | "wasi" | "cygwin" | "uefi"
                )
                || ["freebsd", "netbsd", "openbsd", "genode"]
                    .iter()
                    .any(|p| l[2].starts_with(p))
                || (l[0] == "wasm32" && l[2] == "none")
            {
                // autotools breaks on -gnu for Windows, hence mingw32
                let kernel = if l[2] == "mingw32" { "windows" } else { l[2] };
                Ok(sk(0, Some((l[1], 1)), (kernel, 2), None))
            } else {
                Err(ambiguous())
            }
        }
        4 => Ok(sk(0, Some((l[1], 1)), (l[2], 2), Some((l[3], 3)))),
        _ => Err(PlatformError::ComponentCount {
            input: input.to_string(),
            components: l.len(),
        }),
    }
}

fn unknown(
    kind: ComponentKind,
    name: &str,
    input: &str,
    position: usize,
    components: usize,
) -> PlatformError {
    let candidates: Vec<&str> = match kind {
        ComponentKind::Cpu => CPU_TYPES.iter().map(|c| c.name).collect(),
        ComponentKind::Vendor => VENDORS.to_vec(),
        ComponentKind::Kernel => {
            let mut v: Vec<&str> = KERNELS.iter().map(|(k, _)| *k).collect();
            v.extend(KERNEL_ALIASES.iter().map(|(a, _)| *a));
            v
        }
        ComponentKind::Abi => ABIS.iter().map(|a| a.name).collect(),
    };
    PlatformError::UnknownComponent {
        kind,
        name: name.to_string(),
        input: input.to_string(),
        position: if position == usize::MAX {
            None
        } else {
            Some(position + 1)
        },
        components,
        suggestions: nearest(name, &candidates, &crate::doubles::common_components()),
    }
}

impl Parsed {
    /// Parse a double or triple as nixpkgs' `mkSystemFromString` does.
    pub fn from_string(s: &str) -> Result<Parsed, PlatformError> {
        let l: Vec<&str> = s.split('-').collect();
        let sk = skeleton(s, &l)?;
        let n = l.len();
        let cpu = cpu_type(sk.cpu.0)
            .ok_or_else(|| unknown(ComponentKind::Cpu, sk.cpu.0, s, sk.cpu.1, n))?;
        // nixpkgs checks the components in the order cpu, vendor, kernel,
        // abi, so an explicit vendor is looked up before the kernel.
        let explicit_vendor = match sk.vendor {
            Some((v, pos)) => Some(
                VENDORS
                    .iter()
                    .copied()
                    .find(|x| *x == v)
                    .ok_or_else(|| unknown(ComponentKind::Vendor, v, s, pos, n))?,
            ),
            None => None,
        };
        let (kname, kpos) = sk.kernel;
        // Darwin and NetBSD versions are dropped; other kernels lose an ABI tail.
        let key = if kname.starts_with("darwin") {
            "darwin"
        } else if kname.starts_with("netbsd") {
            "netbsd"
        } else {
            remove_abi_suffix(kname)
        };
        let kernel =
            kernel_by_key(key).ok_or_else(|| unknown(ComponentKind::Kernel, key, s, kpos, n))?;
        let vendor = match explicit_vendor {
            Some(v) => v,
            None => {
                if kernel.families.contains(&"darwin") {
                    "apple"
                } else if kernel.name == "windows" {
                    "pc"
                } else {
                    "unknown"
                }
            }
        };
        let is_aarch32 = cpu.family == "arm" && cpu.bits == 32;
        let abi = match sk.abi {
            Some((a, pos)) => {
                abi_by_name(a).ok_or_else(|| unknown(ComponentKind::Abi, a, s, pos, n))?
            }
            None => {
                let name = if kernel.name == "linux" || kernel.name == "windows" {
                    if is_aarch32 {
                        if version_at_least(cpu.version.unwrap_or("0"), "6") {
                            "gnueabihf"
                        } else {
                            "gnueabi"
                        }
                    } else if cpu.family == "power" && cpu.bits == 64 && cpu.significant_byte == BE
                    {
                        // nixpkgs defaults big-endian ppc64 to ELFv1 (the ABI of its
                        // GNU/Linux distributions; ELFv2 must be asked for).
                        "gnuabielfv1"
                    } else {
                        "gnu"
                    }
                } else {
                    "unknown"
                };
                abi_by_name(name).expect("default ABI is in the table")
            }
        };
        Ok(Parsed {
            cpu,
            vendor,
            kernel,
            abi,
        })
    }

    /// The Nix double (`system`), as nixpkgs' `doubleFromSystem`.
    pub fn double(&self) -> String {
        if self.kernel.families.contains(&"darwin") {
            format!("{}-darwin", self.cpu.name)
        } else {
            format!("{}-{}", self.cpu.name, self.kernel.name)
        }
    }

    /// The triple (`config`), as nixpkgs' `tripleFromSystem`.
    pub fn triple(&self) -> String {
        let cpu = if self.kernel.families.contains(&"darwin") && self.cpu.name == "aarch64" {
            "arm64"
        } else {
            self.cpu.name
        };
        let exec = if self.kernel.name == "netbsd"
            && netbsd_default_exec_format(self.cpu) != self.kernel.exec_format
        {
            self.kernel.exec_format
        } else {
            ""
        };
        let abi = if self.abi.name == "unknown" {
            String::new()
        } else {
            format!("-{}", self.abi.name)
        };
        format!(
            "{}-{}-{}{}{}",
            cpu, self.vendor, self.kernel.name, exec, abi
        )
    }

    /// The `parsed` attribute set as JSON, in the oracle's shape.
    pub fn to_json(&self) -> Value {
        let c = self.cpu;
        let mut cpu = Map::new();
        cpu.insert("_type".into(), json!("cpu-type"));
        if let Some(a) = c.arch {
            cpu.insert("arch".into(), json!(a));
        }
        cpu.insert("bits".into(), json!(c.bits));
        cpu.insert("family".into(), json!(c.family));
        cpu.insert("name".into(), json!(c.name));
        if let Some(sb) = c.significant_byte {
            cpu.insert(
                "significantByte".into(),
                json!({"_type": "significant-byte", "name": sb.name()}),
            );
        }
        if let Some(v) = c.version {
            cpu.insert("version".into(), json!(v));
        }
        let mut fams = Map::new();
        for f in self.kernel.families {
            fams.insert((*f).into(), json!({"_type": "exec-format", "name": f}));
        }
        let kernel = json!({
            "_type": "kernel",
            "execFormat": {"_type": "exec-format", "name": self.kernel.exec_format},
            "families": Value::Object(fams),
            "name": self.kernel.name,
        });
        json!({
            "_type": "system",
            "abi": abi_json(self.abi),
            "cpu": Value::Object(cpu),
            "kernel": kernel,
            "vendor": {"_type": "vendor", "name": self.vendor},
        })
    }
}

fn abi_json(a: &Abi) -> Value {
    let mut m = Map::new();
    m.insert("_type".into(), json!("abi"));
    if let Some(x) = a.abi {
        m.insert("abi".into(), json!(x));
    }
    if !a.assertions.is_empty() {
        let list: Vec<Value> = a
            .assertions
            .iter()
            .map(|x| json!({"assertion": "<function>", "message": x.message()}))
            .collect();
        m.insert("assertions".into(), Value::Array(list));
    }
    if a.eabi {
        m.insert("eabi".into(), json!(true));
    }
    if let Some(f) = a.float {
        m.insert("float".into(), json!(f));
    }
    m.insert("name".into(), json!(a.name));
    Value::Object(m)
}

/// gnu-config ignores whatever matches `e?abi.*$` at the end of the kernel
/// part when checking a triple, and nixpkgs strips it with the pattern
/// `(.*)e?abi.*`. Under POSIX leftmost-longest matching the leading group
/// takes everything before the last `abi`, including an `e`.
fn remove_abi_suffix(kernel: &str) -> &str {
    match kernel.rfind("abi") {
        Some(i) => &kernel[..i],
        None => kernel,
    }
}

/// GNU build systems assume older NetBSD ports use a.out; triples name the
/// exec format when it differs from that default.
fn netbsd_default_exec_format(c: &CpuType) -> &'static str {
    if c.bits == 32 && matches!(c.family, "x86" | "arm" | "sparc" | "m68k") {
        "aout"
    } else {
        "elf"
    }
}

/// Nix's `builtins.compareVersions a b >= 0` for the simple dotted numbers
/// used in CPU versions.
pub(crate) fn version_at_least(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    parse(a) >= parse(b)
}

/// Whether code for CPU `b` runs on CPU `a` (nixpkgs' `isCompatible`).
///
/// The relation is reflexive and transitive; it only widens within one byte
/// order (x86 up to x86_64, 32-bit ARM profiles up the version chain, 32-bit
/// MIPS/PowerPC/SPARC/WASM on their 64-bit same-endian parents). Mode
/// switching does not count: AArch64 is not taken to run ARMv7 code, nor
/// RISC-V 64 to run RV32 code.
pub fn is_compatible(a: &CpuType, b: &CpuType) -> bool {
    let mut seen = vec![a.name];
    let mut todo = vec![a.name];
    while let Some(cpu) = todo.pop() {
        if cpu == b.name {
            return true;
        }
        for (_, runs) in CPU_RUNS_ALSO.iter().filter(|(c, _)| *c == cpu) {
            for r in runs.iter() {
                if !seen.contains(r) {
                    seen.push(r);
                    todo.push(r);
                }
            }
        }
    }
    false
}

/// The edges of [`is_compatible`]: each CPU with the CPUs whose code it
/// runs directly; the relation is their reflexive, transitive closure.
/// This is the one copy of the table: the collection's `lib.systems`
/// reads it from the generated `pkgs/lib/systems/platform-tables.json`.
pub static CPU_RUNS_ALSO: &[(&str, &[&str])] = &[
    ("x86_64", &["i686"]),
    ("i686", &["i586"]),
    ("i586", &["i486"]),
    ("i486", &["i386"]),
    ("armv5tel", &["arm"]),
    ("armv6l", &["armv5tel"]),
    ("armv6m", &["armv6l"]),
    ("armv7l", &["armv6m"]),
    ("armv7a", &["armv7l"]),
    ("armv7r", &["armv7l"]),
    ("armv7m", &["armv7l"]),
    // AArch64 and ARMv8-A run each other's code (the same core, nixpkgs'
    // naming); the 32-bit ARMv8 profiles run on ARMv8-A.
    ("aarch64", &["armv8a"]),
    ("armv8a", &["aarch64", "armv8r", "armv8m"]),
    ("powerpc64", &["powerpc"]),
    ("powerpc64le", &["powerpcle"]),
    ("mips64", &["mips"]),
    ("mips64el", &["mipsel"]),
    ("sparc64", &["sparc"]),
    ("wasm64", &["wasm32"]),
];
