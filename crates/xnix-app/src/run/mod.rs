//! Running a package's program: evaluate one derivation, build it, choose
//! the program in its output and how to start it on this machine (natively,
//! or through the emulator xnix-platform chooses: qemu user mode for foreign
//! Linux CPUs, wine for Windows).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xnix_eval::{EvalError, Pos, Value};
use xnix_platform::binary::BinaryFormat;
use xnix_platform::{Emulator, Machine};
use xnix_store::LocalStore;

use crate::host::{emulator_apt_packages, find_emulator};
use crate::installable::Installable;
use crate::instantiate::{drv_path_of, parse_drv};
use crate::progress::Reporter;
use crate::realise::{realise, BuildOptions};
use crate::{AppError, Session};

/// What evaluation tells about the derivation to run.
#[derive(Debug, Default, Clone)]
pub struct Runnable {
    /// The `.drv` path.
    pub drv_path: String,
    /// The output selected (`outputName`).
    pub output: String,
    /// The derivation's name.
    pub name: String,
    /// Its `pname`, if any.
    pub pname: Option<String>,
    /// Its `meta.mainProgram`, if any.
    pub main_program: Option<String>,
    /// `stdenv.hostPlatform.config` of a package from the collection.
    pub host_config: Option<String>,
    /// The cross sysroot the collection sets for emulated programs.
    pub qemu_ld_prefix: Option<String>,
}

/// Evaluate the session's request and return the one derivation it selects.
pub fn evaluate(session: &Session) -> Result<Runnable, EvalError> {
    let ev = session.evaluator();
    let request = session.request();
    let auto = session.auto_args()?;
    let roots = match &request.installable {
        Installable::Files(v) | Installable::Exprs(v) | Installable::Flakes(v) => v.len(),
        Installable::Collection => 1,
    };
    if roots > 1 || request.attr_paths.len() > 1 {
        return Err(EvalError::msg(
            "xnix run runs one program: give at most one FILE or -E expression and one -A attribute",
            Pos::NONE,
        ));
    }
    if roots == 0 {
        return Err(EvalError::msg(
            "-E needs an expression: xnix run -E 'EXPR'",
            Pos::NONE,
        ));
    }
    let mut root = None;
    session.for_each_root(|r| {
        root = Some(r);
        Ok(())
    })?;
    let Some(root) = root else {
        return Err(EvalError::msg("nothing to run was evaluated", Pos::NONE));
    };
    let root = ev.auto_call(root, &auto)?;
    let attr = request.attr_paths.first().cloned().unwrap_or_default();
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
    let drv_path = drv_path_of(ev, &a)?;
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

/// How to run a built program: the command line, emulator first if any.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The program chosen in the output.
    pub program: PathBuf,
    /// The command to start (the program, or an emulator and its arguments
    /// followed by the program); the user's arguments go after it.
    pub command: Vec<OsString>,
}

/// Evaluate the session's one derivation, write it to the store, build it,
/// and choose the program (`bin`, else the package's hints) and how to start
/// it here. The output stays a temporary root of this process while it runs.
pub fn prepare(
    session: Session,
    store: &LocalStore,
    options: &BuildOptions,
    bin: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<RunPlan, AppError> {
    let runnable = evaluate(&session).map_err(|e| AppError::Eval(session.format_error(&e)))?;
    crate::objects::write_to_store(session.evaluator(), store, reporter)?;
    drop(session);
    let drv = parse_drv(store, &runnable.drv_path)?;
    let realised =
        realise(store, std::slice::from_ref(&drv), options, reporter).map_err(AppError::Build)?;
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
    store.add_temp_root(out).map_err(anyhow::Error::from)?;
    let out = store.real_path(out);
    let program = choose_program(&out, bin, &runnable)?;
    let machine = crate::host::machine()?;
    let store_root = store_root(store.store_dir().as_str(), store.real_store_dir());
    let command = command_line(&program, &runnable, &machine, store_root.as_deref())?;
    Ok(RunPlan { program, command })
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
pub fn choose_program(out: &Path, bin: Option<&str>, r: &Runnable) -> anyhow::Result<PathBuf> {
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
/// The directory under which the store's logical paths are found, when the
/// store is not at its logical place (`XNIX_STORE_ROOT`): the real store
/// directory less its logical suffix. None when logical paths are real.
fn store_root(logical: &str, real: &Path) -> Option<PathBuf> {
    if real == Path::new(logical) {
        return None;
    }
    let depth = Path::new(logical).components().count() - 1;
    let mut root = real.to_path_buf();
    for _ in 0..depth {
        root.pop();
    }
    (root.join(logical.trim_start_matches('/')) == real).then_some(root)
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
///
/// A program whose interpreter is in the store (a pure build's, linked
/// against the C library of the lock) needs no sysroot: qemu finds the
/// interpreter at its path, or under `store_root` when the store is not at
/// its logical place.
pub fn command_line(
    program: &Path,
    r: &Runnable,
    machine: &Machine,
    store_root: Option<&Path>,
) -> anyhow::Result<Vec<OsString>> {
    let binary = xnix_platform::binary::inspect(program)
        .with_context(|| format!("reading the header of {}", program.display()))?;
    // Neither ELF nor PE (a script): the kernel starts it.
    let Some(binary) = binary else {
        return Ok(vec![program.into()]);
    };
    let windows = binary.format == BinaryFormat::Pe;
    let system = match (&binary.system, binary.format) {
        (Some(system), _) => system.clone(),
        // A PE file for a machine xnix does not know: let the kernel (binfmt) try.
        (None, BinaryFormat::Pe) => return Ok(vec![program.into()]),
        (None, BinaryFormat::Elf) => match &r.host_config {
            // The package says what it was built for; trust it.
            Some(c) => c.clone(),
            None => bail!(
                "{} is an ELF file for machine type {}, which xnix does not know; run it yourself",
                program.display(),
                binary.machine
            ),
        },
    };
    let interpreter = binary.interpreter.clone();
    let platform = xnix_platform::elaborate(&serde_json::Value::String(system.clone()))
        .map_err(|e| anyhow::anyhow!("{}: platform {system}: {e}", program.display()))?;
    match machine.execution(&platform) {
        Emulator::Native => {
            // The kernel looks for the interpreter at its logical path only.
            if let (Some(interp), Some(root)) = (&interpreter, store_root) {
                if !Path::new(interp).exists() && root.join(interp.trim_start_matches('/')).exists()
                {
                    bail!(
                        "{} is linked with the interpreter {interp}, which is in this store at {}: the kernel finds it only where the store is at its logical place; run it in a chroot of {} (for example `unshare --user --map-root-user chroot {} {}`)",
                        program.display(),
                        root.join(interp.trim_start_matches('/')).display(),
                        root.display(),
                        root.display(),
                        program.strip_prefix(root).map(|p| Path::new("/").join(p)).unwrap_or_else(|_| program.to_path_buf()).display()
                    );
                }
            }
            Ok(vec![program.into()])
        }
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
                    machine.system()
                );
            };
            let mut cmd: Vec<OsString> = vec![emu_path.into()];
            if emu.starts_with("qemu-") {
                let in_store = |root: &Path| {
                    interpreter
                        .as_ref()
                        .is_some_and(|i| root.join(i.trim_start_matches('/')).exists())
                };
                if let Some(root) = store_root.filter(|root| in_store(root)) {
                    cmd.push("-L".into());
                    cmd.push(root.into());
                } else if let Some(interp) = &interpreter {
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
            machine.system()
        ),
    }
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
    fn own_executable_runs_natively_and_scripts_directly() {
        let machine = crate::host::machine().unwrap();
        let exe = std::env::current_exe().unwrap();
        let r = Runnable::default();
        assert_eq!(
            command_line(&exe, &r, &machine, None).unwrap(),
            [exe.as_os_str()]
        );
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("hello");
        std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
        assert_eq!(
            command_line(&script, &r, &machine, None).unwrap(),
            [script.as_os_str()]
        );
    }

    #[test]
    fn store_root_is_the_real_directory_above_the_logical_store() {
        assert_eq!(store_root("/nix/store", Path::new("/nix/store")), None);
        assert_eq!(
            store_root("/xnix/store", Path::new("/tmp/s/xnix/store")),
            Some(PathBuf::from("/tmp/s"))
        );
        // A store moved to a directory not ending like its logical one.
        assert_eq!(store_root("/nix/store", Path::new("/srv/other")), None);
    }

    #[test]
    fn programs_are_chosen_by_bin_main_program_pname_or_the_only_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir(out.join("bin")).unwrap();
        for name in ["hello", "other"] {
            std::fs::write(out.join("bin").join(name), "").unwrap();
        }
        let r = Runnable {
            name: "hello-2.10".into(),
            ..Runnable::default()
        };
        assert_eq!(
            choose_program(out, None, &r).unwrap(),
            out.join("bin/hello")
        );
        assert_eq!(
            choose_program(out, Some("other"), &r).unwrap(),
            out.join("bin/other")
        );
        let err = choose_program(out, Some("missing"), &r)
            .unwrap_err()
            .to_string();
        assert!(err.contains("hello, other"), "{err}");
        let unknown = Runnable {
            name: "tools-1.0".into(),
            ..Runnable::default()
        };
        assert!(choose_program(out, None, &unknown).is_err());
    }
}
