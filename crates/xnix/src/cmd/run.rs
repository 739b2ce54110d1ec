//! `xnix run`: build one derivation, pick the program in it, and run it with
//! the given arguments — natively when this machine executes its binaries,
//! otherwise through the emulator xnix-platform chooses (qemu user mode for
//! foreign Linux CPUs, wine for Windows). Standard input, output, error and
//! the exit status pass through.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use clap::Args;
use xnix_build::builder::BuildOptions;
use xnix_eval::{with_big_stack, EvalError, Evaluator, Pos, Value};
use xnix_platform::{Emulator, Platform};

use super::instantiate::{self, EvalSource};
use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix run -A hello                                   build and run GNU hello
  xnix run -A pkgsCross.aarch64-multiplatform.hello   the same for aarch64, through qemu-aarch64
  xnix run -A lua -- -e 'print(1+1)'                  arguments after -- go to the program
  xnix run -A pkgsCross.mingwW64.hello                a Windows program: needs wine
  xnix run ./default.nix -A tools --bin mytool -- --help
  xnix run -E 'with import <xnixpkgs> {}; zlib' --bin ...

With no FILE and no -E the package collection is used, as `xnix build` does,
and outputs come from --substituters (XNIX_SUBSTITUTERS) when a trusted cache
has them.
The program is `bin/NAME` of the selected output, NAME being --bin, else the
package's meta.mainProgram, else its pname (or its name without the version;
NAME.exe for Windows), else the only file in bin/. An output that is a single executable file is run
as it is.

Binaries this machine cannot execute (by their ELF or PE header) run through
the emulator nixpkgs' `emulator` names: `qemu-<arch>` from Debian's qemu-user,
with `-L` set to the cross sysroot (/usr/<triple>) for dynamically linked glibc
programs; `wine`/`wine64` for Windows programs. The program's exit status is
xnix's exit status (128 + N when a signal N ended it).";

/// Arguments of `xnix run`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    #[command(flatten)]
    pub source: EvalSource,
    /// The program to run: `bin/NAME` in the output.
    #[arg(long = "bin", value_name = "NAME")]
    pub bin: Option<String>,
    /// Run up to N builds at the same time.
    #[arg(short = 'j', long = "max-jobs", value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Copy every build log line to stderr (prefixed with the derivation name).
    #[arg(short = 'L', long = "print-build-logs")]
    pub print_build_logs: bool,
    /// Extra host path visible in every sandbox: PATH, INSIDE=HOST, optionally followed by '?'.
    #[arg(long = "sandbox-path", value_name = "SPEC")]
    pub sandbox_path: Vec<String>,
    #[command(flatten)]
    pub substitute: super::build::SubstituteArgs,
    /// Arguments for the program (after `--`).
    #[arg(last = true, value_name = "ARGS")]
    pub program_args: Vec<String>,
}

/// What evaluation tells about the derivation to run.
#[derive(Debug, Default)]
struct Runnable {
    drv_path: String,
    output: String,
    name: String,
    pname: Option<String>,
    main_program: Option<String>,
    /// `stdenv.hostPlatform.config` of a package from the collection.
    host_config: Option<String>,
    /// The cross sysroot the collection sets for emulated programs.
    qemu_ld_prefix: Option<String>,
}

/// Evaluate the source and return the one derivation it selects.
fn evaluate(
    ev: &Evaluator,
    source: &EvalSource,
    default_file: &str,
) -> Result<Runnable, EvalError> {
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let auto = super::eval::auto_args(ev, &source.arg, &source.argstr, &cwd)?;
    if source.args.len() > 1 || source.attr.len() > 1 {
        return Err(EvalError::msg(
            "xnix run runs one program: give at most one FILE or -E expression and one -A attribute",
            Pos::NONE,
        ));
    }
    let root = match (source.args.first(), source.expr) {
        (Some(e), true) => ev.eval_expr(e, &cwd)?,
        (Some(f), false) => super::flake::eval_arg(ev, f, &source.flake)?,
        (None, true) => {
            return Err(EvalError::msg(
                "-E needs an expression: xnix run -E 'EXPR'",
                Pos::NONE,
            ))
        }
        (None, false) => ev.eval_file(default_file)?,
    };
    let root = ev.auto_call(root, &auto)?;
    let attr = source.attr.first().cloned().unwrap_or_default();
    let v = ev.select_attr_path(root, &attr, &auto)?;
    let v = ev.auto_call(v, &auto)?;
    let a = match ev.force(v)? {
        Value::Attrs(a) if ev.is_derivation(&a)? => a,
        _ => {
            let what = if attr.is_empty() {
                "the expression".to_string()
            } else {
                format!("attribute '{attr}'")
            };
            return Err(EvalError::msg(
                format!(
                    "{what} is not a derivation; xnix run needs one package (select it with -A)"
                ),
                Pos::NONE,
            ));
        }
    };
    let drv_path = match a.get("drvPath") {
        Some(p) => ev
            .coerce_to_string(p.clone(), Pos::NONE, false, false)?
            .s
            .clone(),
        None => {
            return Err(EvalError::msg(
                "derivation lacks a 'drvPath' attribute",
                Pos::NONE,
            ))
        }
    };
    // The optional attributes are hints: one that fails to evaluate is absent.
    let string_at = |path: &[&str]| -> Option<String> {
        let mut cur = Value::Attrs(a.clone());
        for name in path {
            let attrs = ev.force_attrs(cur, Pos::NONE).ok()?;
            cur = attrs.get(name)?.clone();
        }
        ev.force_str(cur, Pos::NONE).ok()
    };
    Ok(Runnable {
        drv_path,
        output: string_at(&["outputName"]).unwrap_or_else(|| "out".into()),
        name: string_at(&["name"]).unwrap_or_default(),
        pname: string_at(&["pname"]),
        main_program: string_at(&["meta", "mainProgram"]),
        host_config: string_at(&["stdenv", "hostPlatform", "config"]),
        qemu_ld_prefix: string_at(&["QEMU_LD_PREFIX"]),
    })
}

/// The package name of a derivation name, as Nix's `parseDrvName`: the
/// version starts at the first `-` not followed by a letter.
pub fn name_without_version(name: &str) -> &str {
    let bytes = name.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'-' && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()) {
            return &name[..i];
        }
    }
    name
}

/// The entries of `bin/` (sorted), empty when there is none.
fn bin_entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join("bin"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn listing(out: &Path, entries: &[String]) -> String {
    if !out.join("bin").is_dir() {
        format!("{} has no bin/ directory", out.display())
    } else if entries.is_empty() {
        format!("{}/bin is empty", out.display())
    } else {
        format!("{}/bin has: {}", out.display(), entries.join(", "))
    }
}

/// Which file of the output `out` to run (see the command's help).
fn choose_program(out: &Path, bin: Option<&str>, r: &Runnable) -> anyhow::Result<PathBuf> {
    if out.is_file() && bin.is_none() {
        return Ok(out.to_path_buf());
    }
    let entries = bin_entries(out);
    let explicit = match (bin, &r.main_program) {
        (Some(b), _) => Some((b, "--bin")),
        (None, Some(m)) => Some((m.as_str(), "meta.mainProgram")),
        (None, None) => None,
    };
    if let Some((name, from)) = explicit {
        let p = out.join("bin").join(name);
        if p.is_file() {
            return Ok(p);
        }
        bail!(
            "no program '{name}' (from {from}) in {}: {}; choose one with --bin NAME",
            out.display(),
            listing(out, &entries)
        );
    }
    let guess = r
        .pname
        .clone()
        .unwrap_or_else(|| name_without_version(&r.name).to_string());
    // Windows programs carry `.exe`.
    for candidate in [guess.clone(), format!("{guess}.exe")] {
        if !guess.is_empty() && entries.contains(&candidate) {
            return Ok(out.join("bin").join(candidate));
        }
    }
    if entries.len() == 1 {
        return Ok(out.join("bin").join(&entries[0]));
    }
    bail!(
        "cannot tell which program of {} to run (no meta.mainProgram, no bin/{guess}): {}; choose one with --bin NAME",
        r.name,
        listing(out, &entries)
    )
}

/// What the header of an executable says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryKind {
    /// An ELF file for `system` (a nixpkgs double or triple); `interpreter`
    /// is its `PT_INTERP` (absent for static programs).
    Elf {
        system: String,
        interpreter: Option<String>,
    },
    /// An ELF file for a machine this table does not know (`e_machine`).
    UnknownElf { machine: u16 },
    /// A Windows PE file for `system`.
    Pe { system: String },
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

/// The platform this program runs on, elaborated.
pub fn build_platform() -> anyhow::Result<Platform> {
    let system = xnix_platform::host_system()
        .context("this machine's CPU and operating system are not a platform xnix knows")?;
    xnix_platform::elaborate(&serde_json::Value::String(system.clone()))
        .map_err(|e| anyhow::anyhow!("elaborating this machine's platform {system}: {e}"))
}

/// Find `program` in `PATH`.
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The installed program behind an emulator name: the name itself, or
/// Debian's `-static` variant of qemu, or plain `wine` for `wine64`.
pub fn find_emulator(program: &str) -> Option<PathBuf> {
    find_in_path(program)
        .or_else(|| {
            program
                .starts_with("qemu-")
                .then(|| find_in_path(&format!("{program}-static")))
                .flatten()
        })
        .or_else(|| {
            (program == "wine64")
                .then(|| find_in_path("wine"))
                .flatten()
        })
}

/// The Debian packages that provide an emulator program, or `None` when
/// Debian packages none (wasmtime, mmix).
pub fn emulator_apt_packages(program: &str) -> Option<Vec<&'static str>> {
    if program.starts_with("qemu-") {
        Some(vec!["qemu-user"])
    } else if program == "wine64" {
        Some(vec!["wine", "wine64"])
    } else if program == "wine" {
        Some(vec!["wine", "wine32"])
    } else {
        None
    }
}

/// The cross sysroot that holds `interpreter`: the collection's
/// `QEMU_LD_PREFIX` if it does, else the directory `/usr/<triple>` that has it.
fn find_sysroot(interpreter: &str, hint: Option<&str>) -> Option<PathBuf> {
    let rel = interpreter.trim_start_matches('/');
    if let Some(h) = hint {
        if Path::new(h).join(rel).exists() {
            return Some(PathBuf::from(h));
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.into_iter().find(|d| d.join(rel).exists())
}

/// How to start `program`: the command line (emulator first, if any).
fn command_line(
    program: &Path,
    r: &Runnable,
    build: &Platform,
) -> anyhow::Result<Vec<std::ffi::OsString>> {
    let kind = inspect_binary(program)
        .with_context(|| format!("reading the header of {}", program.display()))?;
    let (system, interpreter, windows) = match &kind {
        BinaryKind::Other => return Ok(vec![program.into()]),
        BinaryKind::Elf {
            system,
            interpreter,
        } => (system.clone(), interpreter.clone(), false),
        BinaryKind::Pe { system } => (system.clone(), None, true),
        BinaryKind::UnknownElf { machine } => match &r.host_config {
            // The package says what it was built for; trust it.
            Some(c) => (c.clone(), None, false),
            None => bail!(
                "{} is an ELF file for machine type {machine}, which xnix does not know; run it yourself",
                program.display()
            ),
        },
    };
    let platform = xnix_platform::elaborate(&serde_json::Value::String(system.clone()))
        .map_err(|e| anyhow::anyhow!("{}: platform {system}: {e}", program.display()))?;
    match platform.emulator_on(build) {
        Emulator::Native => Ok(vec![program.into()]),
        Emulator::Program(emu) => {
            let Some(emu_path) = find_emulator(&emu) else {
                let install = match emulator_apt_packages(&emu) {
                    Some(pkgs) => format!(
                        "install Debian's {} (apt-get install {})",
                        pkgs.join(" and "),
                        pkgs.join(" ")
                    ),
                    None => "Debian does not package it; install it yourself".to_string(),
                };
                if windows {
                    bail!(
                        "{} is a Windows program ({system}): running it needs wine ({emu}), which is not installed: {install}",
                        program.display()
                    );
                }
                bail!(
                    "{} is a {system} program, which this {} machine cannot run; it needs the emulator {emu}, which is not installed: {install}",
                    program.display(),
                    build.system()
                );
            };
            let mut cmd: Vec<std::ffi::OsString> = vec![emu_path.into()];
            if emu.starts_with("qemu-") {
                if let Some(interp) = &interpreter {
                    match find_sysroot(interp, r.qemu_ld_prefix.as_deref()) {
                        Some(root) => {
                            cmd.push("-L".into());
                            cmd.push(root.into());
                        }
                        // A multiarch C library installed at the host's own /lib.
                        None if Path::new(interp).exists() => {}
                        None => bail!(
                            "{} is dynamically linked with {interp}, which is in no cross sysroot (/usr/<triple>): install the cross C library (Debian's libc6-<arch>-cross, which gcc-<triple> brings)",
                            program.display()
                        ),
                    }
                }
            }
            cmd.push(program.into());
            Ok(cmd)
        }
        Emulator::Unavailable => bail!(
            "{} is a {system} program; nothing known runs those on this {} machine",
            program.display(),
            build.system()
        ),
    }
}

/// Build the selected derivation; the physical path of its output, or an
/// exit code when evaluation or a build failed (already reported).
fn build(args: &RunArgs, opts: &StoreOpts) -> anyhow::Result<Result<(PathBuf, Runnable), u8>> {
    let store = opts.open()?;
    let default_file = instantiate::default_file(&args.source)?;
    let ev = super::new_evaluator(opts.store_dir(), &args.source.include);
    let runnable = match evaluate(&ev, &args.source, &default_file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", ev.format_error(&e, args.source.show_trace));
            return Ok(Err(1));
        }
    };
    instantiate::write_to_store(&ev, &store)?;
    drop(ev);
    let drv = instantiate::parse_drv(&store, &runnable.drv_path)?;
    let options = BuildOptions {
        jobs: args.jobs.max(1),
        sandbox_paths: super::build::sandbox_paths(&args.sandbox_path)?,
        substituters: args.substitute.substituters()?,
        ..BuildOptions::default()
    };
    let Some(realised) = super::build::realise_reporting(
        &store,
        std::slice::from_ref(&drv),
        &options,
        args.print_build_logs,
    ) else {
        return Ok(Err(1));
    };
    let out = realised
        .outputs
        .get(&drv)
        .and_then(|o| o.get(&runnable.output))
        .with_context(|| {
            format!(
                "'{}' has no output '{}'",
                runnable.drv_path, runnable.output
            )
        })?;
    // Keep the output from a concurrent garbage collection while it runs.
    store.add_temp_root(out)?;
    let logical = store.print_path(out);
    Ok(Ok((opts.physical(Path::new(&logical)), runnable)))
}

fn run_inner(args: RunArgs, opts: StoreOpts) -> anyhow::Result<u8> {
    let (out, runnable) = match build(&args, &opts)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let program = choose_program(&out, args.bin.as_deref(), &runnable)?;
    let build_platform = build_platform()?;
    let cmd = command_line(&program, &runnable, &build_platform)?;
    let status = Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(&args.program_args)
        .status()
        .with_context(|| {
            format!(
                "starting {}",
                cmd.iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })?;
    if let Some(code) = status.code() {
        return Ok(code as u8);
    }
    use std::os::unix::process::ExitStatusExt;
    Ok(status.signal().map_or(1, |s| (128 + s) as u8))
}

/// Run `xnix run`.
pub fn run(args: RunArgs, opts: StoreOpts) -> anyhow::Result<ExitCode> {
    let code = with_big_stack(move || run_inner(args, opts))?;
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_versions() {
        assert_eq!(name_without_version("hello-2.10"), "hello");
        assert_eq!(
            name_without_version("aarch64-unknown-linux-gnu-gcc-wrapper"),
            "aarch64-unknown-linux-gnu-gcc-wrapper"
        );
        assert_eq!(name_without_version("lua-5.4.4"), "lua");
        assert_eq!(name_without_version("x"), "x");
    }

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
        let build = build_platform().unwrap();
        match inspect_binary(&exe).unwrap() {
            BinaryKind::Elf { system, .. } => {
                let p = xnix_platform::elaborate(&serde_json::Value::String(system)).unwrap();
                assert_eq!(p.emulator_on(&build), Emulator::Native);
            }
            other => panic!("the test binary is not a known ELF file: {other:?}"),
        }
    }
}
