//! The basic checks of the machine: store, sandbox, busybox, qemu-user,
//! binfmt_misc, Nix.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use super::Check;
use crate::host::find_in_path;

/// Create and remove a file in `dir`: the plainest proof that it is writable.
fn try_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".xnix-doctor-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Whether the store (logical directory `logical`, physically at `physical`) is writable.
pub(super) fn store(logical: &str, physical: &Path) -> Check {
    let physical = physical.to_path_buf();
    let shown = if physical.as_path() == Path::new(logical) {
        logical.to_string()
    } else {
        format!("{logical} (at {})", physical.display())
    };
    let existing = physical
        .ancestors()
        .find(|p| p.exists())
        .map(Path::to_path_buf);
    let (ok, detail) = match existing {
        Some(dir) if dir == physical => match try_write(&dir) {
            Ok(()) => (true, format!("{shown} is writable")),
            Err(e) => (false, format!("{shown} is not writable: {e}")),
        },
        Some(dir) => match try_write(&dir) {
            Ok(()) => (
                true,
                format!(
                    "{shown} does not exist yet; it will be created under {}",
                    dir.display()
                ),
            ),
            Err(e) => (
                false,
                format!(
                    "{shown} does not exist and {} is not writable: {e}",
                    dir.display()
                ),
            ),
        },
        None => (false, format!("{shown}: no existing parent directory")),
    };
    Check {
        name: "store",
        ok,
        detail,
    }
}

pub(super) fn sandbox() -> Check {
    let max = std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let (ok, detail) = if let Some(unshare) = find_in_path("unshare") {
        let status = Command::new(unshare)
            .args([
                "--user",
                "--map-root-user",
                "--mount",
                "--pid",
                "--fork",
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => (true, "user, mount and PID namespaces can be created".to_string()),
            _ => (
                false,
                "cannot create user namespaces (see /proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone)".to_string(),
            ),
        }
    } else {
        match max {
            Some(0) => (
                false,
                "user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)".into(),
            ),
            Some(n) => (
                true,
                format!("user namespaces enabled (max {n}; not tried: no unshare program)"),
            ),
            None => (
                false,
                "cannot tell whether user namespaces work (no /proc/sys/user/max_user_namespaces)"
                    .into(),
            ),
        }
    };
    Check {
        name: "sandbox",
        ok,
        detail,
    }
}

pub(super) fn busybox() -> Check {
    let paths = xnix_build::sandbox::busybox_sandbox_paths();
    match paths.first() {
        Some(p) => Check {
            name: "busybox",
            ok: true,
            detail: format!("builders get {} as /bin/sh", p.host.display()),
        },
        None => Check {
            name: "busybox",
            ok: false,
            detail: "no static busybox for builders' /bin/sh: apt-get install busybox-static"
                .into(),
        },
    }
}

pub(super) fn qemu(debs: &BTreeSet<String>) -> Check {
    let programs = ["/usr/bin", "/usr/local/bin"]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|rd| rd.filter_map(Result::ok))
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("qemu-") && !n.starts_with("qemu-img") && !n.starts_with("qemu-system")
        })
        .count();
    let pkg = ["qemu-user", "qemu-user-static"]
        .into_iter()
        .find(|p| debs.contains(*p));
    match pkg {
        Some(p) => Check {
            name: "qemu-user",
            ok: true,
            detail: format!("{p} is installed ({programs} qemu user-mode programs)"),
        },
        None if programs > 0 => Check {
            name: "qemu-user",
            ok: true,
            detail: format!(
                "{programs} qemu user-mode programs in PATH (not from Debian's qemu-user)"
            ),
        },
        None => Check {
            name: "qemu-user",
            ok: false,
            detail: "not installed; foreign Linux programs cannot run: apt-get install qemu-user"
                .into(),
        },
    }
}

pub(super) fn binfmt() -> Check {
    let dir = Path::new("/proc/sys/fs/binfmt_misc");
    let detail = match std::fs::read_to_string(dir.join("status")) {
        Ok(status) => {
            let mut qemu: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.starts_with("qemu-"))
                        .collect()
                })
                .unwrap_or_default();
            qemu.sort();
            format!(
                "{}; {} (not needed: xnix starts emulators itself)",
                status.trim(),
                if qemu.is_empty() {
                    "no qemu handlers registered".to_string()
                } else {
                    format!("qemu handlers: {}", qemu.join(" "))
                }
            )
        }
        Err(_) => "not mounted (not needed: xnix starts emulators itself)".into(),
    };
    Check {
        name: "binfmt_misc",
        ok: true,
        detail,
    }
}

pub(super) fn nix() -> Check {
    let detail = match find_in_path("nix-instantiate") {
        Some(p) => format!(
            "not required; found {} (the tests compare against it)",
            p.display()
        ),
        None => "not required, not installed".to_string(),
    };
    Check {
        name: "nix",
        ok: true,
        detail,
    }
}
