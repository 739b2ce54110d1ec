//! Emulated builds: a derivation for a system this machine cannot execute
//! but can emulate runs under a static qemu-user, registered in the
//! sandbox's own binfmt_misc instance.
//!
//! Since Linux 6.7 binfmt_misc is namespaced per user namespace: a
//! binfmt_misc file system mounted inside a new user namespace is a fresh,
//! empty instance whose registrations apply only to processes of that
//! namespace. The sandbox mounts one over its `/proc/sys/fs/binfmt_misc`
//! and registers the emulator there before entering its new root. The
//! registration uses flag `F` (the kernel opens the interpreter at
//! registration, so it need not exist inside the sandbox; hence it must be
//! statically linked, as its own interpreter would be looked up inside) and
//! `P` (the program's `argv[0]` is kept; qemu reads that from `AT_FLAGS`).
//!
//! Architecture Invariant: emulation never touches the machine's global
//! binfmt_misc (`/proc/sys/fs/binfmt_misc` of the initial user namespace).
//! Registrations live and die with the sandbox's user namespace.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use xnix_platform::{Emulator, Machine};

use crate::ns::MountOp;

/// Where the sandbox's binfmt_misc instance is mounted (as on a normal
/// system, so a builder can look at it).
pub const SANDBOX_BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// Directories searched for a static qemu (`qemu-<arch>-static`, the name
/// Debian's qemu-user-static package gives them).
pub const STATIC_QEMU_DIRS: &[&str] = &["/usr/bin", "/usr/local/bin"];

/// How one build is emulated: the static qemu for its system and the ELF
/// header pattern that selects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emulation {
    system: String,
    qemu_arch: String,
    qemu: PathBuf,
    magic: [u8; 20],
    mask: [u8; 20],
}

/// Why a system cannot be built here, even emulated.
#[derive(Debug, thiserror::Error)]
pub enum EmulationError {
    /// The system names no platform xnix knows.
    #[error(
        "cannot build for '{system}': it is not a system this machine ('{machine}') runs, and \
         not a platform xnix knows ({reason}); check the derivation's `system`"
    )]
    UnknownSystem {
        /// The derivation's system.
        system: String,
        /// This machine's system.
        machine: String,
        /// Why it is not a platform.
        reason: String,
    },
    /// Nothing can execute the system's programs here.
    #[error(
        "cannot build for '{system}' on this '{machine}' machine: it does not execute \
         '{system}' programs and no emulator is known for them (tried: {tried}); build it on a \
         '{system}' machine (--builders), or cross-compile (crossSystem) instead"
    )]
    NoEmulator {
        /// The derivation's system.
        system: String,
        /// This machine's system.
        machine: String,
        /// What was looked at.
        tried: String,
    },
    /// qemu-user knows the system, but no static qemu for it was found.
    #[error(
        "cannot build for '{system}' here: emulating it needs a statically linked \
         {program}-static, and none was found (tried: {tried}); install Debian's \
         qemu-user-static (`apt-get install qemu-user-static`), or build it on a '{system}' \
         machine (--builders)"
    )]
    NoStaticQemu {
        /// The derivation's system.
        system: String,
        /// The qemu program for it (`qemu-aarch64`).
        program: String,
        /// The paths looked at, and why each was refused.
        tried: String,
    },
    /// qemu-user knows the system but xnix has no binfmt pattern for it.
    #[error(
        "cannot build for '{system}' here: xnix does not know the ELF header of {program}'s \
         programs to register it with binfmt_misc; build it on a '{system}' machine (--builders)"
    )]
    NoPattern {
        /// The derivation's system.
        system: String,
        /// The qemu program for it.
        program: String,
    },
}

/// ELF identity of a qemu-user target: 64-bit, little-endian, `e_machine`.
fn elf_identity(qemu_arch: &str) -> Option<(bool, bool, u16)> {
    Some(match qemu_arch {
        "aarch64" => (true, true, 183),
        "aarch64_be" => (true, false, 183),
        "arm" => (false, true, 40),
        "armeb" => (false, false, 40),
        "riscv64" => (true, true, 243),
        "riscv32" => (false, true, 243),
        "ppc64le" => (true, true, 21),
        "ppc64" => (true, false, 21),
        "ppc" => (false, false, 20),
        "s390x" => (true, false, 22),
        "mips" => (false, false, 8),
        "mipsel" => (false, true, 8),
        "mips64" => (true, false, 8),
        "mips64el" => (true, true, 8),
        "loongarch64" => (true, true, 258),
        "m68k" => (false, false, 4),
        "sparc64" => (true, false, 43),
        "alpha" => (true, true, 0x9026),
        "x86_64" => (true, true, 62),
        "i386" => (false, true, 3),
        _ => return None,
    })
}

/// The first 20 bytes of an executable or shared object (`ET_EXEC` or
/// `ET_DYN`) for that identity, and the mask binfmt_misc compares under
/// (the OS/ABI byte and the low bit of `e_type` are free).
fn elf_pattern(is64: bool, little: bool, machine: u16) -> ([u8; 20], [u8; 20]) {
    let mut magic = [0u8; 20];
    magic[..4].copy_from_slice(b"\x7fELF");
    magic[4] = if is64 { 2 } else { 1 };
    magic[5] = if little { 1 } else { 2 };
    magic[6] = 1;
    let mut mask = [0xffu8; 20];
    mask[7] = 0;
    // e_type = ET_EXEC (2), matched with ET_DYN (3) by a free low bit.
    let (e_type, type_mask, e_machine) = if little {
        ([2, 0], [0xfe, 0xff], machine.to_le_bytes())
    } else {
        ([0, 2], [0xff, 0xfe], machine.to_be_bytes())
    };
    magic[16..18].copy_from_slice(&e_type);
    mask[16..18].copy_from_slice(&type_mask);
    magic[18..20].copy_from_slice(&e_machine);
    (magic, mask)
}

/// Whether the ELF file at `path` has no program interpreter, and why not.
fn static_check(path: &Path) -> Result<(), String> {
    match xnix_platform::binary::inspect(path) {
        Ok(Some(b)) if b.interpreter.is_none() => Ok(()),
        Ok(Some(b)) => Err(format!(
            "dynamically linked (interpreter {})",
            b.interpreter.unwrap_or_default()
        )),
        Ok(None) => Err("not an executable".to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err("missing".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

impl Emulation {
    /// How `machine` emulates `system`, or why it cannot. Call only for a
    /// system the machine does not run natively.
    pub fn for_system(system: &str, machine: &Machine) -> Result<Emulation, EmulationError> {
        Emulation::for_system_in(system, machine, STATIC_QEMU_DIRS)
    }

    /// [`Emulation::for_system`], looking for `qemu-<arch>-static` in
    /// `dirs` only.
    pub fn for_system_in(
        system: &str,
        machine: &Machine,
        dirs: &[impl AsRef<Path>],
    ) -> Result<Emulation, EmulationError> {
        let emulator = machine
            .execution_of(system)
            .map_err(|e| EmulationError::UnknownSystem {
                system: system.to_string(),
                machine: machine.system().to_string(),
                reason: e.to_string(),
            })?;
        let program = match emulator {
            Emulator::Program(p) if p.starts_with("qemu-") => p,
            other => {
                return Err(EmulationError::NoEmulator {
                    system: system.to_string(),
                    machine: machine.system().to_string(),
                    tried: format!(
                        "native execution, qemu-user (the platform's emulator: {other})"
                    ),
                })
            }
        };
        let qemu_arch = program["qemu-".len()..].to_string();
        let (is64, little, e_machine) =
            elf_identity(&qemu_arch).ok_or_else(|| EmulationError::NoPattern {
                system: system.to_string(),
                program: program.clone(),
            })?;
        let mut tried = Vec::new();
        let mut qemu = None;
        for dir in dirs {
            let candidate = dir.as_ref().join(format!("{program}-static"));
            match static_check(&candidate) {
                Ok(()) => {
                    qemu = Some(candidate);
                    break;
                }
                Err(why) => tried.push(format!("{} ({why})", candidate.display())),
            }
        }
        let qemu = qemu.ok_or_else(|| EmulationError::NoStaticQemu {
            system: system.to_string(),
            program: program.clone(),
            tried: tried.join(", "),
        })?;
        let (magic, mask) = elf_pattern(is64, little, e_machine);
        Ok(Emulation {
            system: system.to_string(),
            qemu_arch,
            qemu,
            magic,
            mask,
        })
    }

    /// The emulated system.
    pub fn system(&self) -> &str {
        &self.system
    }

    /// The static qemu (a host path, opened at registration).
    pub fn qemu(&self) -> &Path {
        &self.qemu
    }

    /// The qemu-user architecture (`aarch64`, `riscv64`).
    pub fn qemu_arch(&self) -> &str {
        &self.qemu_arch
    }

    /// The binfmt_misc entry's name.
    pub fn entry_name(&self) -> String {
        format!("xnix-qemu-{}", self.qemu_arch)
    }

    /// The line written to binfmt_misc's `register` file.
    pub fn register_line(&self) -> Vec<u8> {
        let hex = |bytes: &[u8]| {
            bytes.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "\\x{b:02x}");
                s
            })
        };
        let mut line = format!(
            ":{}:M::{}:{}:",
            self.entry_name(),
            hex(&self.magic),
            hex(&self.mask)
        )
        .into_bytes();
        line.extend_from_slice(self.qemu.as_os_str().as_encoded_bytes());
        line.extend_from_slice(b":PF\n");
        line
    }
}

/// The sandbox step that mounts the private binfmt_misc instance and
/// registers the emulators (after `/proc` is mounted); none for none.
pub(crate) fn mount_op(emulations: &[Emulation]) -> Option<MountOp> {
    (!emulations.is_empty()).then(|| MountOp::Binfmt {
        inside: PathBuf::from(SANDBOX_BINFMT_DIR),
        register: emulations.iter().map(Emulation::register_line).collect(),
    })
}

/// The derivation attribute by which a build opts in to executing
/// programs of other systems directly (a cross build running what it has
/// just built for its host): a list of systems, each registered in the
/// build's own binfmt_misc. Part of the derivation, hence of its hash.
pub const RUN_SYSTEMS_ATTR: &str = "__xnixEmulate";

/// Whether this kernel gives each user namespace its own binfmt_misc
/// instance (Linux 6.7 and later), which per-build emulation needs.
pub fn per_namespace_binfmt() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (6, 7)
}

/// Mount a binfmt_misc file system on `dir` (the global one, for an
/// explicit machine-wide registration).
pub fn mount_binfmt_misc(dir: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let target = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let kind = c"binfmt_misc";
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // SAFETY: every pointer is a valid NUL-terminated string that outlives
    // the call; no data argument.
    let rc = unsafe {
        libc::mount(
            kind.as_ptr(),
            target.as_ptr(),
            kind.as_ptr(),
            flags,
            std::ptr::null(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The entries of the machine's global binfmt_misc (sorted; empty when it
/// is not mounted), to check that builds leave it as found.
pub fn global_registrations() -> io::Result<Vec<String>> {
    let dir = Path::new("/proc/sys/fs/binfmt_misc");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let contents = if name == "register" {
            String::new()
        } else {
            std::fs::read_to_string(entry.path()).unwrap_or_default()
        };
        names.push(format!("{name}: {}", contents.trim_end()));
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aarch64_pattern_is_the_elf_header_of_an_arm64_executable() {
        let (magic, mask) = elf_pattern(true, true, 183);
        assert_eq!(
            magic,
            *b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"
        );
        assert_eq!(
            mask,
            *b"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
        );
        let (magic, mask) = elf_pattern(false, false, 8);
        assert_eq!(&magic[4..7], &[1, 2, 1]);
        assert_eq!(&magic[16..20], &[0, 2, 0, 8]);
        assert_eq!(&mask[16..18], &[0xff, 0xfe]);
    }

    #[test]
    fn register_line_names_the_static_qemu_with_flags_p_and_f() {
        let e = Emulation {
            system: "aarch64-linux".into(),
            qemu_arch: "aarch64".into(),
            qemu: "/usr/bin/qemu-aarch64-static".into(),
            magic: elf_pattern(true, true, 183).0,
            mask: elf_pattern(true, true, 183).1,
        };
        let line = String::from_utf8(e.register_line()).unwrap();
        assert!(line.starts_with(":xnix-qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02"));
        assert!(line.ends_with(":/usr/bin/qemu-aarch64-static:PF\n"));
        assert_eq!(line.matches(':').count(), 7);
    }

    #[test]
    fn a_missing_static_qemu_is_reported_with_what_was_tried() {
        let machine = Machine::new("x86_64-linux").unwrap();
        let err = Emulation::for_system_in("aarch64-linux", &machine, &["/nonexistent"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/nonexistent/qemu-aarch64-static (missing)"),
            "{err}"
        );
        assert!(err.contains("qemu-user-static"), "{err}");
    }

    #[test]
    fn a_system_without_emulator_says_so() {
        let machine = Machine::new("x86_64-linux").unwrap();
        let err = Emulation::for_system("x86_64-darwin", &machine)
            .unwrap_err()
            .to_string();
        assert!(err.contains("'x86_64-darwin'"), "{err}");
        assert!(err.contains("tried"), "{err}");
    }
}
