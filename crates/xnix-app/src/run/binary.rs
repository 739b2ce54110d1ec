//! What the header of an executable says: ELF or PE, for which platform,
//! with which program interpreter. Read by hand from the headers (ELF
//! `e_machine`, class, byte order, flags and `PT_INTERP`; PE's machine field).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What the header of an executable says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryKind {
    /// An ELF file for `system` (a nixpkgs double or triple); `interpreter`
    /// is its `PT_INTERP` (absent for static programs).
    Elf {
        /// The platform, a nixpkgs double or triple.
        system: String,
        /// The program interpreter, for dynamically linked programs.
        interpreter: Option<String>,
    },
    /// An ELF file for a machine this table does not know (`e_machine`).
    UnknownElf {
        /// The ELF `e_machine` value.
        machine: u16,
    },
    /// A Windows PE file for `system`.
    Pe {
        /// The platform, a nixpkgs triple (`x86_64-w64-mingw32`).
        system: String,
    },
    /// Anything else (scripts): the kernel starts it.
    Other,
}

fn read_at(f: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// The nixpkgs CPU name for an ELF `e_machine`, given the class (64-bit?),
/// byte order and flags.
fn elf_cpu(machine: u16, is64: bool, little: bool, flags: u32) -> Option<&'static str> {
    // Only CPUs nixpkgs knows (no big-endian 32-bit ARM, no PA-RISC).
    Some(match (machine, is64, little) {
        (3, _, _) => "i686",
        (62, _, _) => "x86_64",
        (40, _, true) => "armv7l",
        (183, _, true) => "aarch64",
        (183, _, false) => "aarch64_be",
        (243, true, _) => "riscv64",
        (243, false, _) => "riscv32",
        (21, _, true) => "powerpc64le",
        (21, _, false) => "powerpc64",
        (20, _, true) => "powerpcle",
        (20, _, false) => "powerpc",
        (22, true, _) => "s390x",
        (22, false, _) => "s390",
        (8, true, true) => "mips64el",
        (8, true, false) => "mips64",
        // n32: 32-bit ELF on a 64-bit MIPS (EF_MIPS_ABI2).
        (8, false, true) if flags & 0x20 != 0 => "mips64el",
        (8, false, false) if flags & 0x20 != 0 => "mips64",
        (8, false, true) => "mipsel",
        (8, false, false) => "mips",
        (258, _, _) => "loongarch64",
        (4, _, _) => "m68k",
        (42, _, _) => "sh4",
        (2, _, _) => "sparc",
        (43, _, _) => "sparc64",
        (0x9026, _, _) => "alpha",
        (92, _, _) => "or1k",
        (189, _, true) => "microblazeel",
        (189, _, false) => "microblaze",
        (93 | 195, _, _) => "arc",
        _ => return None,
    })
}

/// Read the ELF or PE header of `path`: which platform it is for and, for
/// ELF, its program interpreter.
pub fn inspect_binary(path: &Path) -> std::io::Result<BinaryKind> {
    let mut f = File::open(path)?;
    let mut head = [0u8; 64];
    let n = f.read(&mut head)?;
    if n >= 52 && head[..4] == *b"\x7fELF" {
        let is64 = head[4] == 2;
        let little = head[5] == 1;
        let u16_at = |b: &[u8], o: usize| {
            let x = [b[o], b[o + 1]];
            if little {
                u16::from_le_bytes(x)
            } else {
                u16::from_be_bytes(x)
            }
        };
        let u32_at = |b: &[u8], o: usize| {
            let x = [b[o], b[o + 1], b[o + 2], b[o + 3]];
            if little {
                u32::from_le_bytes(x)
            } else {
                u32::from_be_bytes(x)
            }
        };
        let u64_at = |b: &[u8], o: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[o..o + 8]);
            if little {
                u64::from_le_bytes(x)
            } else {
                u64::from_be_bytes(x)
            }
        };
        let machine = u16_at(&head, 18);
        if is64 && n < 64 {
            return Ok(BinaryKind::Other);
        }
        let (phoff, flags, phentsize, phnum) = if is64 {
            (
                u64_at(&head, 32),
                u32_at(&head, 48),
                u16_at(&head, 54),
                u16_at(&head, 56),
            )
        } else {
            (
                u64::from(u32_at(&head, 28)),
                u32_at(&head, 36),
                u16_at(&head, 42),
                u16_at(&head, 44),
            )
        };
        let Some(cpu) = elf_cpu(machine, is64, little, flags) else {
            return Ok(BinaryKind::UnknownElf { machine });
        };
        let kernel = match head[7] {
            9 => "freebsd",
            2 => "netbsd",
            12 => "openbsd",
            _ => "linux",
        };
        let system = if machine == 8 && !is64 && flags & 0x20 != 0 {
            format!("{cpu}-unknown-linux-gnuabin32")
        } else {
            format!("{cpu}-{kernel}")
        };
        let mut interpreter = None;
        let entry_size = usize::from(phentsize);
        if entry_size >= if is64 { 56 } else { 32 } {
            let mut ph = vec![0u8; entry_size];
            for i in 0..u64::from(phnum) {
                if read_at(&mut f, phoff + i * entry_size as u64, &mut ph).is_err() {
                    break;
                }
                if u32_at(&ph, 0) != 3 {
                    continue; // not PT_INTERP
                }
                let (off, size) = if is64 {
                    (u64_at(&ph, 8), u64_at(&ph, 32))
                } else {
                    (u64::from(u32_at(&ph, 4)), u64::from(u32_at(&ph, 16)))
                };
                let mut buf = vec![0u8; size.min(4096) as usize];
                if read_at(&mut f, off, &mut buf).is_ok() {
                    let s = String::from_utf8_lossy(&buf);
                    interpreter = Some(s.trim_end_matches('\0').to_string());
                }
                break;
            }
        }
        return Ok(BinaryKind::Elf {
            system,
            interpreter,
        });
    }
    if n >= 64 && head[..2] == *b"MZ" {
        let pe_offset = u64::from(u32::from_le_bytes([head[60], head[61], head[62], head[63]]));
        let mut pe = [0u8; 6];
        if read_at(&mut f, pe_offset, &mut pe).is_ok() && pe[..4] == *b"PE\0\0" {
            let cpu = match u16::from_le_bytes([pe[4], pe[5]]) {
                0x8664 => "x86_64",
                0x14c => "i686",
                0xaa64 => "aarch64",
                0x1c4 => "armv7l",
                _ => return Ok(BinaryKind::Other),
            };
            return Ok(BinaryKind::Pe {
                system: format!("{cpu}-w64-mingw32"),
            });
        }
    }
    Ok(BinaryKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use xnix_platform::Emulator;

    #[test]
    fn elf_machines() {
        assert_eq!(elf_cpu(183, true, true, 0), Some("aarch64"));
        assert_eq!(elf_cpu(8, false, true, 0x20), Some("mips64el"));
        assert_eq!(elf_cpu(8, false, true, 0), Some("mipsel"));
        assert_eq!(elf_cpu(9999, true, true, 0), None);
    }

    fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn pe_headers() {
        let mut pe = vec![0u8; 0x48];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        pe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
        let (_d, path) = write_temp(&pe);
        assert_eq!(
            inspect_binary(&path).unwrap(),
            BinaryKind::Pe {
                system: "x86_64-w64-mingw32".into()
            }
        );
        let (_d, path) = write_temp(b"#!/bin/sh\necho hi\n");
        assert_eq!(inspect_binary(&path).unwrap(), BinaryKind::Other);
    }

    #[test]
    fn elf_headers_with_and_without_interpreter() {
        // A 64-bit little-endian aarch64 header with one PT_INTERP entry.
        let interp = b"/lib/ld-linux-aarch64.so.1\0";
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[18..20].copy_from_slice(&183u16.to_le_bytes());
        elf[32..40].copy_from_slice(&64u64.to_le_bytes());
        elf[54..56].copy_from_slice(&56u16.to_le_bytes());
        elf[56..58].copy_from_slice(&1u16.to_le_bytes());
        elf[64..68].copy_from_slice(&3u32.to_le_bytes());
        elf[72..80].copy_from_slice(&120u64.to_le_bytes());
        elf[96..104].copy_from_slice(&(interp.len() as u64).to_le_bytes());
        elf.extend_from_slice(interp);
        let (_d, path) = write_temp(&elf);
        assert_eq!(
            inspect_binary(&path).unwrap(),
            BinaryKind::Elf {
                system: "aarch64-linux".into(),
                interpreter: Some("/lib/ld-linux-aarch64.so.1".into())
            }
        );
        // The same as a static program (a PT_LOAD instead).
        elf[64..68].copy_from_slice(&1u32.to_le_bytes());
        let (_d, path) = write_temp(&elf);
        assert_eq!(
            inspect_binary(&path).unwrap(),
            BinaryKind::Elf {
                system: "aarch64-linux".into(),
                interpreter: None
            }
        );
        let arm =
            xnix_platform::elaborate(&serde_json::Value::String("aarch64-linux".into())).unwrap();
        let x86 =
            xnix_platform::elaborate(&serde_json::Value::String("x86_64-linux".into())).unwrap();
        assert_eq!(
            arm.emulator_on(&x86),
            Emulator::Program("qemu-aarch64".into())
        );
    }

    #[test]
    fn own_executable_is_native() {
        let exe = std::env::current_exe().unwrap();
        let build = crate::host::build_platform().unwrap();
        match inspect_binary(&exe).unwrap() {
            BinaryKind::Elf { system, .. } => {
                let p = xnix_platform::elaborate(&serde_json::Value::String(system)).unwrap();
                assert_eq!(p.emulator_on(&build), Emulator::Native);
            }
            other => panic!("the test binary is not a known ELF file: {other:?}"),
        }
    }
}
