//! This machine, as the commands need it: its platform, the programs in its
//! `PATH`, the emulators installed and the Debian packages that bring them.

use std::collections::BTreeSet;
use std::path::PathBuf;

use xnix_platform::Machine;

/// This machine: what it runs natively, and through which emulator otherwise.
pub fn machine() -> anyhow::Result<Machine> {
    Machine::host().map_err(|e| {
        anyhow::anyhow!(
            "this machine ({}) is not a platform xnix knows: {e}",
            xnix_platform::host_double()
        )
    })
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

/// Debian packages installed here (`Package` and `Package:arch`), from dpkg's status file.
pub fn installed_debs() -> BTreeSet<String> {
    let text = std::fs::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    parse_dpkg_status(&text)
}

/// The installed packages in the text of a dpkg status file: each paragraph
/// whose `Status` ends in `install ok installed`, as `Package` and
/// `Package:Architecture`.
pub fn parse_dpkg_status(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for para in text.split("\n\n") {
        let field = |name: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let installed = field("Status:").is_some_and(|s| s.ends_with("install ok installed"));
        if let (true, Some(pkg)) = (installed, field("Package:")) {
            if let Some(arch) = field("Architecture:") {
                out.insert(format!("{pkg}:{arch}"));
            }
            out.insert(pkg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_lists_installed_packages_only() {
        let text = "Package: qemu-user\nStatus: install ok installed\nArchitecture: amd64\n\n\
                    Package: wine\nStatus: deinstall ok config-files\nArchitecture: amd64\n\n\
                    Package: libc6-arm64-cross\nStatus: install ok installed\nArchitecture: all\n";
        let debs = parse_dpkg_status(text);
        let want: BTreeSet<String> = [
            "qemu-user",
            "qemu-user:amd64",
            "libc6-arm64-cross",
            "libc6-arm64-cross:all",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(debs, want);
    }

    #[test]
    fn emulators_and_their_packages() {
        assert_eq!(
            emulator_apt_packages("qemu-riscv64"),
            Some(vec!["qemu-user"])
        );
        assert_eq!(
            emulator_apt_packages("wine64"),
            Some(vec!["wine", "wine64"])
        );
        assert_eq!(emulator_apt_packages("mmix"), None);
    }
}
