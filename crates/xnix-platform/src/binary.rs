//! What an executable is for: the class, byte order and machine of an ELF
//! or PE file, its program interpreter, and the nixpkgs system it guesses
//! from them. Headers are read with the `object` crate, lazily: only the
//! bytes the headers occupy are read, however large the file.

use std::fs::File;
use std::io;
use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::read::ReadRef;
use object::{Endianness, FileKind, ReadCache};

use crate::elaborate::Platform;
use crate::error::PlatformError;

/// The container format of an executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    /// ELF (Linux, the BSDs, bare metal).
    Elf,
    /// PE/COFF (Windows).
    Pe,
}

/// What the headers of an executable say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// ELF or PE.
    pub format: BinaryFormat,
    /// 32 or 64 (the ELF class; PE32 or PE32+).
    pub bits: u8,
    /// Whether the file is little-endian.
    pub little_endian: bool,
    /// The machine field: ELF `e_machine` (`EM_*`) or PE `Machine`
    /// (`IMAGE_FILE_MACHINE_*`).
    pub machine: u16,
    /// ELF `e_flags` (0 for PE).
    pub flags: u32,
    /// The ELF program interpreter (`PT_INTERP`), absent for static programs.
    pub interpreter: Option<String>,
    /// The nixpkgs system the file is for (`aarch64-linux`,
    /// `x86_64-w64-mingw32`, `mips64el-unknown-linux-gnuabin32`), when the
    /// machine is one nixpkgs knows.
    pub system: Option<String>,
}

impl Binary {
    /// The elaborated platform of [`Binary::system`], if there is one.
    pub fn platform(&self) -> Option<Result<Platform, PlatformError>> {
        self.system
            .as_deref()
            .map(|s| crate::elaborate(&serde_json::Value::String(s.to_string())))
    }
}

/// Reads the headers of the file at `path`. `Ok(None)` when it is neither
/// ELF nor PE (a script, data) or its headers are malformed: the kernel
/// decides what to do with it.
pub fn inspect(path: &Path) -> io::Result<Option<Binary>> {
    let cache = ReadCache::new(File::open(path)?);
    Ok(inspect_data(&cache))
}

/// [`inspect`] over bytes in memory.
pub fn inspect_bytes(data: &[u8]) -> Option<Binary> {
    inspect_data(data)
}

fn inspect_data<'d, R: ReadRef<'d>>(data: R) -> Option<Binary> {
    match FileKind::parse(data).ok()? {
        FileKind::Elf32 => inspect_elf::<elf::FileHeader32<Endianness>, R>(data),
        FileKind::Elf64 => inspect_elf::<elf::FileHeader64<Endianness>, R>(data),
        FileKind::Pe32 => inspect_pe(data, 32),
        FileKind::Pe64 => inspect_pe(data, 64),
        _ => None,
    }
}

fn inspect_elf<'d, H, R>(data: R) -> Option<Binary>
where
    H: FileHeader<Endian = Endianness>,
    R: ReadRef<'d>,
{
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let bits = if header.is_type_64() { 64 } else { 32 };
    let machine = header.e_machine(endian);
    let flags = header.e_flags(endian);
    let little_endian = endian == Endianness::Little;
    // A malformed program header table leaves the interpreter unknown, as
    // the kernel would refuse the file anyway.
    let interpreter = header
        .program_headers(endian, data)
        .ok()
        .and_then(|phs| phs.iter().find_map(|ph| ph.interpreter(endian, data).ok()?))
        .map(|b| String::from_utf8_lossy(b).into_owned());
    let system = elf_cpu(machine, bits == 64, little_endian, flags).map(|cpu| {
        if machine == elf::EM_MIPS && bits == 32 && flags & elf::EF_MIPS_ABI2 != 0 {
            format!("{cpu}-unknown-linux-gnuabin32")
        } else {
            let kernel = match header.e_ident().os_abi {
                elf::ELFOSABI_FREEBSD => "freebsd",
                elf::ELFOSABI_NETBSD => "netbsd",
                elf::ELFOSABI_OPENBSD => "openbsd",
                _ => "linux",
            };
            format!("{cpu}-{kernel}")
        }
    });
    Some(Binary {
        format: BinaryFormat::Elf,
        bits,
        little_endian,
        machine,
        flags,
        interpreter,
        system,
    })
}

fn inspect_pe<'d, R: ReadRef<'d>>(data: R, bits: u8) -> Option<Binary> {
    let dos = object::pe::ImageDosHeader::parse(data).ok()?;
    let offset = u64::from(dos.nt_headers_offset());
    let signature = data
        .read_at::<object::U32Bytes<object::LittleEndian>>(offset)
        .ok()?;
    if signature.get(object::LittleEndian) != object::pe::IMAGE_NT_SIGNATURE {
        return None;
    }
    let file_header = data
        .read_at::<object::pe::ImageFileHeader>(offset + 4)
        .ok()?;
    let machine = file_header.machine.get(object::LittleEndian);
    let cpu = match machine {
        object::pe::IMAGE_FILE_MACHINE_AMD64 => Some("x86_64"),
        object::pe::IMAGE_FILE_MACHINE_I386 => Some("i686"),
        object::pe::IMAGE_FILE_MACHINE_ARM64 => Some("aarch64"),
        object::pe::IMAGE_FILE_MACHINE_ARMNT => Some("armv7l"),
        _ => None,
    };
    Some(Binary {
        format: BinaryFormat::Pe,
        bits,
        little_endian: true,
        machine,
        flags: 0,
        interpreter: None,
        system: cpu.map(|cpu| format!("{cpu}-w64-mingw32")),
    })
}

/// The nixpkgs CPU name for an ELF `e_machine`, given the class, byte order
/// and flags. Only CPUs nixpkgs knows (no big-endian 32-bit ARM, no PA-RISC).
pub fn elf_cpu(machine: u16, is64: bool, little: bool, flags: u32) -> Option<&'static str> {
    let n32 = flags & elf::EF_MIPS_ABI2 != 0;
    Some(match (machine, is64, little) {
        (elf::EM_386, _, _) => "i686",
        (elf::EM_X86_64, _, _) => "x86_64",
        (elf::EM_ARM, _, true) => "armv7l",
        (elf::EM_AARCH64, _, true) => "aarch64",
        (elf::EM_AARCH64, _, false) => "aarch64_be",
        (elf::EM_RISCV, true, _) => "riscv64",
        (elf::EM_RISCV, false, _) => "riscv32",
        (elf::EM_PPC64, _, true) => "powerpc64le",
        (elf::EM_PPC64, _, false) => "powerpc64",
        (elf::EM_PPC, _, true) => "powerpcle",
        (elf::EM_PPC, _, false) => "powerpc",
        (elf::EM_S390, true, _) => "s390x",
        (elf::EM_S390, false, _) => "s390",
        (elf::EM_MIPS, true, true) => "mips64el",
        (elf::EM_MIPS, true, false) => "mips64",
        // n32: 32-bit ELF on a 64-bit MIPS.
        (elf::EM_MIPS, false, true) if n32 => "mips64el",
        (elf::EM_MIPS, false, false) if n32 => "mips64",
        (elf::EM_MIPS, false, true) => "mipsel",
        (elf::EM_MIPS, false, false) => "mips",
        (elf::EM_LOONGARCH, _, _) => "loongarch64",
        (elf::EM_68K, _, _) => "m68k",
        (elf::EM_SH, _, _) => "sh4",
        (elf::EM_SPARC, _, _) => "sparc",
        (elf::EM_SPARCV9, _, _) => "sparc64",
        (elf::EM_ALPHA, _, _) => "alpha",
        (elf::EM_OPENRISC, _, _) => "or1k",
        (elf::EM_MICROBLAZE, _, true) => "microblazeel",
        (elf::EM_MICROBLAZE, _, false) => "microblaze",
        (elf::EM_ARC | elf::EM_ARC_COMPACT2, _, _) => "arc",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian aarch64 header with one program header: a
    /// `PT_INTERP` naming `interp`, or a `PT_LOAD`.
    fn elf64(interp: Option<&[u8]>) -> Vec<u8> {
        let interp_bytes = interp.unwrap_or(b"");
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[6] = 1;
        elf[18..20].copy_from_slice(&183u16.to_le_bytes());
        elf[20..24].copy_from_slice(&1u32.to_le_bytes());
        elf[32..40].copy_from_slice(&64u64.to_le_bytes());
        elf[52..54].copy_from_slice(&64u16.to_le_bytes());
        elf[54..56].copy_from_slice(&56u16.to_le_bytes());
        elf[56..58].copy_from_slice(&1u16.to_le_bytes());
        let p_type: u32 = if interp.is_some() { 3 } else { 1 };
        elf[64..68].copy_from_slice(&p_type.to_le_bytes());
        elf[72..80].copy_from_slice(&120u64.to_le_bytes());
        elf[96..104].copy_from_slice(&(interp_bytes.len() as u64).to_le_bytes());
        elf.extend_from_slice(interp_bytes);
        elf
    }

    #[test]
    fn elf_with_and_without_interpreter() {
        let b = inspect_bytes(&elf64(Some(b"/lib/ld-linux-aarch64.so.1\0"))).unwrap();
        assert_eq!(b.format, BinaryFormat::Elf);
        assert_eq!((b.bits, b.little_endian, b.machine), (64, true, 183));
        assert_eq!(b.system.as_deref(), Some("aarch64-linux"));
        assert_eq!(b.interpreter.as_deref(), Some("/lib/ld-linux-aarch64.so.1"));
        let b = inspect_bytes(&elf64(None)).unwrap();
        assert_eq!(b.interpreter, None);
        assert_eq!(b.system.as_deref(), Some("aarch64-linux"));
    }

    #[test]
    fn unknown_machines_keep_their_number() {
        let mut e = elf64(None);
        e[18..20].copy_from_slice(&9999u16.to_le_bytes());
        let b = inspect_bytes(&e).unwrap();
        assert_eq!((b.machine, b.system), (9999, None));
    }

    #[test]
    fn machine_table() {
        assert_eq!(elf_cpu(183, true, true, 0), Some("aarch64"));
        assert_eq!(elf_cpu(8, false, true, 0x20), Some("mips64el"));
        assert_eq!(elf_cpu(8, false, true, 0), Some("mipsel"));
        assert_eq!(elf_cpu(9999, true, true, 0), None);
    }

    #[test]
    fn pe_headers_and_other_files() {
        let mut pe = vec![0u8; 0x48];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        pe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
        // The optional header's magic tells PE32 from PE32+.
        pe.resize(0x200, 0);
        pe[0x44 + 20..0x44 + 22].copy_from_slice(&0x20bu16.to_le_bytes());
        let b = inspect_bytes(&pe).unwrap();
        assert_eq!(b.format, BinaryFormat::Pe);
        assert_eq!(b.system.as_deref(), Some("x86_64-w64-mingw32"));
        assert_eq!(b.bits, 64);
        assert_eq!(inspect_bytes(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(inspect_bytes(b""), None);
    }

    #[test]
    fn own_executable_is_this_machine() {
        let exe = std::env::current_exe().unwrap();
        let b = inspect(&exe).unwrap().expect("the test binary is ELF");
        let p = b.platform().unwrap().unwrap();
        let host = crate::Machine::host().unwrap();
        assert_eq!(host.execution(&p), crate::Emulator::Native);
    }
}
