//! Running one builder process in an isolated environment.
//!
//! The sandbox is made directly with Linux namespaces (user, mount, PID,
//! IPC, UTS and, for ordinary builds, network), which works the same when
//! xnix runs as root and when it runs as an ordinary user: in both cases a
//! fresh user namespace maps the calling user to the sandbox user
//! [`SANDBOX_UID`]/[`SANDBOX_GID`] (Nix's `nixbld` 1000/100), so files the
//! builder creates belong to the calling user on the host. The builder runs
//! as PID 1 of its PID namespace with its base name as `argv[0]`, as under
//! Nix. Inside, the builder sees:
//!
//! - a fresh, read-only root file system (a tmpfs) holding only what is
//!   listed here;
//! - the store directory at its *logical* location (e.g. `/nix/store`) as
//!   a private writable directory in which only the declared input paths
//!   appear, each bind-mounted read-only from its *physical* location
//!   (which may be under another root, e.g. `/srv/xnix/nix/store`); the
//!   outputs are created there by the builder and collected afterwards;
//! - its build directory at `/build` (`NIX_BUILD_TOP`), `/tmp` pointing
//!   to it;
//! - a minimal `/dev` (null, zero, full, random, urandom, tty, shm, pts),
//!   a fresh `/proc` (own PID namespace), the host name `localhost`, a
//!   private IPC namespace;
//! - no network but its own loopback interface, unless the derivation is
//!   fixed-output (then the host network and its `/etc/resolv.conf`,
//!   `/etc/hosts`, `/etc/services`);
//! - `/etc/passwd`, `/etc/group` and (sandboxed builds) `/etc/hosts`
//!   describing the sandbox user;
//! - the host paths listed in [`SandboxConfig::sandbox_paths`],
//!   read-only (like Nix's `sandbox-paths`; empty by default);
//! - the host paths a derivation asks for in `__impureHostDeps`
//!   ([`SandboxConfig::impure_host_deps`]), only when each lies under the
//!   machine's `allowed-impure-host-deps` (as in Nix's setting of that
//!   name) and is not a socket, FIFO or device.
//!
//! A derivation may instead name, in `__xnixRoot`, one store path of its
//! input closure holding a merged-/usr tree (Debian packages unpacked by
//! `builtin:unpack-debs`): the sandbox then shows that tree's `usr/` as
//! `/usr`, with `/bin`, `/sbin`, `/lib*` linking into it, as a merged-/usr
//! Debian root; nothing of the build machine's own `/usr` appears. This is
//! how the pure standard environment runs Debian's unmodified toolchains.
//!
//! Every bind into the sandbox is read-only all the way down: the host's
//! sub-mounts that a recursive bind carries along are made read-only too
//! (`mount_setattr` with `AT_RECURSIVE`).
//!
//! The builder's environment is exactly Nix's (see [`builder_env`]). Its
//! standard output and error are, as under Nix, a pseudo-terminal in raw
//! mode (standard input is `/dev/null`); what it prints goes to a log file
//! and, line by line, to an optional callback. Inherited descriptors are
//! closed, the umask is 022 and core dumps are off.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use xnix_formats::{Hash, HashAlgo};

use crate::ns::{self, MountOp, NsSpec};

/// The user id the builder runs as inside the sandbox (Nix's first
/// `nixbld` user).
pub const SANDBOX_UID: u32 = 1000;
/// The group id the builder runs as inside the sandbox (Nix's `nixbld`).
pub const SANDBOX_GID: u32 = 100;
/// Where the build directory appears inside the sandbox.
pub const SANDBOX_BUILD_DIR: &str = "/build";

/// Top-level directories the sandbox itself provides; a store directory
/// or sandbox path below them would be hidden or redirected.
const RESERVED_TOP_DIRS: &[&str] = &["build", "tmp", "proc", "dev", "etc"];

/// A host path made visible, read-only, inside every sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPath {
    /// Where the path appears inside the sandbox (absolute).
    pub inside: PathBuf,
    /// The path on the host (absolute).
    pub host: PathBuf,
    /// When true a missing host path is skipped instead of being an error.
    pub optional: bool,
}

impl SandboxPath {
    /// Parses Nix's `sandbox-paths` syntax: `PATH` (same path inside and
    /// outside), `INSIDE=HOST`, either followed by `?` to make it optional.
    pub fn parse(spec: &str) -> Result<SandboxPath, SandboxError> {
        let invalid = |reason: &str| SandboxError::InvalidSandboxPath {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (body, optional) = match spec.strip_suffix('?') {
            Some(body) => (body, true),
            None => (spec, false),
        };
        let (inside, host) = match body.split_once('=') {
            Some((inside, host)) => (inside, host),
            None => (body, body),
        };
        if inside.is_empty() || host.is_empty() {
            return Err(invalid(
                "expected PATH or INSIDE=HOST, optionally followed by '?'",
            ));
        }
        if !inside.starts_with('/') || !host.starts_with('/') {
            return Err(invalid("both paths must be absolute"));
        }
        Ok(SandboxPath {
            inside: PathBuf::from(inside),
            host: PathBuf::from(host),
            optional,
        })
    }

    /// The same host path at the same place inside the sandbox.
    pub fn same(path: impl Into<PathBuf>) -> SandboxPath {
        let path = path.into();
        SandboxPath {
            inside: path.clone(),
            host: path,
            optional: false,
        }
    }
}

/// The host paths a derivation may ask for with `__impureHostDeps` when the
/// machine's configuration says nothing: what the collection's standard
/// environment uses while it still runs the build machine's tools
/// (pkgs/stdenv/impure-host-deps.nix).
pub const DEFAULT_ALLOWED_IMPURE_HOST_DEPS: &[&str] = &["/usr", "/bin", "/lib", "/lib64"];

/// [`DEFAULT_ALLOWED_IMPURE_HOST_DEPS`] as paths.
pub fn default_allowed_impure_host_deps() -> Vec<PathBuf> {
    DEFAULT_ALLOWED_IMPURE_HOST_DEPS
        .iter()
        .map(PathBuf::from)
        .collect()
}

/// Checks the host paths a derivation asks for (`__impureHostDeps`) against
/// `allowed` and returns the sandbox paths to bind. A path must be
/// absolute, without `.` or `..`, and resolve (symbolic links followed)
/// under the resolved form of an allowed path; it must not be a socket,
/// FIFO or device. Paths missing on this machine are skipped.
pub fn check_impure_host_deps(
    name: &str,
    wanted: &[PathBuf],
    allowed: &[PathBuf],
) -> Result<Vec<SandboxPath>, SandboxError> {
    let allowed_shown = if allowed.is_empty() {
        "nothing".to_string()
    } else {
        allowed
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let refuse = |path: &Path, reason: &str| SandboxError::ImpureHostDepRefused {
        name: name.to_string(),
        path: path.to_path_buf(),
        reason: reason.to_string(),
        allowed: allowed_shown.clone(),
    };
    let allowed_resolved: Vec<PathBuf> = allowed
        .iter()
        .filter(|a| a.is_absolute())
        .map(|a| fs::canonicalize(a).unwrap_or_else(|_| a.clone()))
        .collect();
    let mut out = Vec::new();
    for dep in wanted {
        if !dep.is_absolute()
            || dep
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(refuse(dep, "is not an absolute path without '.' or '..'"));
        }
        let top = dep.components().nth(1);
        if top.is_none_or(|t| RESERVED_TOP_DIRS.iter().any(|r| t.as_os_str() == *r)) {
            return Err(refuse(
                dep,
                "is inside /build, /tmp, /proc, /dev or /etc, which the sandbox provides itself",
            ));
        }
        if fs::symlink_metadata(dep).is_err() {
            continue;
        }
        let resolved =
            fs::canonicalize(dep).map_err(|e| refuse(dep, &format!("cannot be resolved ({e})")))?;
        if !allowed_resolved.iter().any(|a| resolved.starts_with(a)) {
            return Err(refuse(
                dep,
                &format!("(resolving to '{}') is not allowed", resolved.display()),
            ));
        }
        let kind = fs::metadata(&resolved)
            .map_err(|e| refuse(dep, &format!("cannot be read ({e})")))?
            .file_type();
        use std::os::unix::fs::FileTypeExt;
        if kind.is_socket() || kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
            return Err(refuse(
                dep,
                "is a socket, FIFO or device, which is never shared with a build",
            ));
        }
        out.push(SandboxPath {
            inside: dep.clone(),
            host: dep.clone(),
            optional: true,
        });
    }
    Ok(out)
}

/// The number of CPUs, Nix's default for `NIX_BUILD_CORES`.
pub fn default_cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// Sandbox paths that give builders a `/bin/sh`: the host's statically
/// linked busybox (Debian's `busybox-static`, installed by
/// scripts/install-deps), as Nix's `sandbox-paths` default does with its
/// own sandbox shell. Empty when no busybox is installed.
pub fn busybox_sandbox_paths() -> Vec<SandboxPath> {
    ["/usr/bin/busybox", "/bin/busybox"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(|bb| {
            vec![SandboxPath {
                inside: PathBuf::from("/bin/sh"),
                host: bb.to_path_buf(),
                optional: false,
            }]
        })
        .unwrap_or_default()
}

/// Settings shared by every build run in a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The store directory as builders see it (e.g. `/nix/store`); output
    /// and input paths are given under it.
    pub store_dir: PathBuf,
    /// Where store paths physically live on the host (equal to `store_dir`
    /// for a store without a separate root).
    pub real_store_dir: PathBuf,
    /// Host paths made visible read-only in every sandbox.
    pub sandbox_paths: Vec<SandboxPath>,
    /// Host paths this build asks for (`__impureHostDeps`); refused unless
    /// under one of `allowed_impure_host_deps`.
    pub impure_host_deps: Vec<PathBuf>,
    /// The machine's `allowed-impure-host-deps`.
    pub allowed_impure_host_deps: Vec<PathBuf>,
    /// Value of `NIX_BUILD_CORES`; defaults to the number of CPUs, as in Nix.
    pub build_cores: u32,
    /// Kill the builder after this long (no limit when `None`).
    pub timeout: Option<Duration>,
    /// Kill the builder when it prints nothing for this long (Nix's
    /// `max-silent-time`; no limit when `None`).
    pub max_silent_time: Option<Duration>,
    /// Directory under which each build gets its scratch directory (build
    /// directory and private store view). Best on the same file system as
    /// `real_store_dir`, so that outputs can be renamed into place.
    pub scratch_parent: PathBuf,
    /// How many trailing log lines a failure report carries.
    pub log_tail_lines: usize,
    /// Run the build's programs of these systems under their emulators,
    /// registered in the sandbox's own binfmt_misc (see [`crate::binfmt`]):
    /// the derivation's own system when it is emulated, and the systems a
    /// cross build opts in to run (`__xnixEmulate`).
    pub emulation: Vec<crate::binfmt::Emulation>,
}

impl SandboxConfig {
    /// A configuration with Nix's defaults: no sandbox paths, no timeout,
    /// scratch directories under the system temporary directory, ten log
    /// lines in failure reports.
    pub fn new(store_dir: impl Into<PathBuf>, real_store_dir: impl Into<PathBuf>) -> SandboxConfig {
        SandboxConfig {
            store_dir: store_dir.into(),
            real_store_dir: real_store_dir.into(),
            sandbox_paths: Vec::new(),
            impure_host_deps: Vec::new(),
            allowed_impure_host_deps: default_allowed_impure_host_deps(),
            build_cores: default_cores(),
            timeout: None,
            max_silent_time: None,
            scratch_parent: std::env::temp_dir(),
            log_tail_lines: 10,
            emulation: Vec::new(),
        }
    }
}

/// Everything about one build that the sandbox needs: what to run, with
/// which derivation environment, which store paths it may see and which it
/// must produce.
#[derive(Debug, Clone, Default)]
pub struct BuildJob {
    /// A name for messages and the scratch directory, usually the `.drv`
    /// store path.
    pub name: String,
    /// The program to execute (absolute path inside the sandbox).
    pub builder: String,
    /// Its arguments (without the program name).
    pub args: Vec<String>,
    /// The derivation's `env` entries; `passAsFile` and `impureEnvVars`
    /// are read from here, as Nix does.
    pub env: BTreeMap<String, String>,
    /// Output name → logical store path the builder must create.
    pub outputs: BTreeMap<String, PathBuf>,
    /// Logical store paths the builder may read: the closure of its inputs.
    pub input_paths: BTreeSet<PathBuf>,
    /// Fixed-output derivations keep the host network and receive their
    /// `impureEnvVars`.
    pub fixed_output: bool,
    /// Further files to create in the build directory (name → contents),
    /// e.g. those of `exportReferencesGraph`.
    pub extra_files: BTreeMap<String, String>,
}

/// The environment a builder starts with, plus the files `passAsFile`
/// asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuilderEnv {
    /// Variable → value, exactly what the builder sees.
    pub vars: BTreeMap<String, String>,
    /// File name (relative to the build directory) → contents, for each
    /// `passAsFile` attribute.
    pub files: BTreeMap<String, String>,
}

/// Computes the builder's environment the way Nix does, in Nix's order
/// (later entries win):
///
/// 1. `PATH=/path-not-set`, `HOME=/homeless-shelter`, `NIX_STORE`,
///    `NIX_BUILD_CORES`, and each output's path under its name;
/// 2. each derivation `env` entry, except those named in `passAsFile`,
///    which are written to `.attr-<nix-base32 sha256 of the name>` in the
///    build directory with `<name>Path` pointing there;
/// 3. `NIX_BUILD_TOP`, `TMPDIR`, `TEMPDIR`, `TMP`, `TEMP`, `PWD` = `/build`;
/// 4. for fixed-output derivations `NIX_OUTPUT_CHECKED=1` and each name in
///    `impureEnvVars` with its value in `host_env` (empty when unset);
/// 5. `NIX_LOG_FD=2`, `TERM=xterm-256color`.
pub fn builder_env(
    config: &SandboxConfig,
    job: &BuildJob,
    host_env: &dyn Fn(&str) -> Option<String>,
) -> BuilderEnv {
    let mut vars = BTreeMap::new();
    let mut files = BTreeMap::new();
    vars.insert("PATH".to_string(), "/path-not-set".to_string());
    vars.insert("HOME".to_string(), "/homeless-shelter".to_string());
    vars.insert(
        "NIX_STORE".to_string(),
        config.store_dir.to_string_lossy().into_owned(),
    );
    vars.insert(
        "NIX_BUILD_CORES".to_string(),
        config.build_cores.to_string(),
    );
    for (name, path) in &job.outputs {
        vars.insert(name.clone(), path.to_string_lossy().into_owned());
    }

    let pass_as_file: BTreeSet<&str> = job
        .env
        .get("passAsFile")
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    for (name, value) in &job.env {
        if pass_as_file.contains(name.as_str()) {
            let file_name = format!(".attr-{}", Hash::digest(HashAlgo::Sha256, name).to_base32());
            vars.insert(
                format!("{name}Path"),
                format!("{SANDBOX_BUILD_DIR}/{file_name}"),
            );
            files.insert(file_name, value.clone());
        } else {
            vars.insert(name.clone(), value.clone());
        }
    }

    for key in ["NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"] {
        vars.insert(key.to_string(), SANDBOX_BUILD_DIR.to_string());
    }

    if job.fixed_output {
        vars.insert("NIX_OUTPUT_CHECKED".to_string(), "1".to_string());
        if let Some(impure) = job.env.get("impureEnvVars") {
            for name in impure.split_whitespace() {
                vars.insert(name.to_string(), host_env(name).unwrap_or_default());
            }
        }
    }

    vars.insert("NIX_LOG_FD".to_string(), "2".to_string());
    vars.insert("TERM".to_string(), "xterm-256color".to_string());
    BuilderEnv { vars, files }
}

/// How a builder process ended, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuilderStatus {
    /// It exited with this code.
    Exited(i32),
    /// It was killed by this signal.
    Signalled(i32),
}

impl std::fmt::Display for BuilderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuilderStatus::Exited(code) => write!(f, "exit code {code}"),
            BuilderStatus::Signalled(sig) => write!(f, "signal {sig}"),
        }
    }
}

/// Why a sandboxed build did not produce its outputs.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A `sandbox-paths` entry could not be parsed.
    #[error("invalid sandbox path '{spec}': {reason}")]
    InvalidSandboxPath {
        /// The entry as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The build description or configuration cannot be run as given.
    #[error("cannot build '{name}': {reason}")]
    InvalidJob {
        /// The build's name.
        name: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// `__impureHostDeps` asks for a host path the machine does not allow.
    #[error(
        "cannot build '{name}': its __impureHostDeps asks for the host path '{}', which {reason}; \
         this machine allows builds to see only: {allowed} (the setting allowed-impure-host-deps \
         in /etc/xnix/xnix.conf, --option, or XNIX_ALLOWED_IMPURE_HOST_DEPS); take the file from the \
         store instead, or allow the path on this machine",
        .path.display()
    )]
    ImpureHostDepRefused {
        /// The build's name.
        name: String,
        /// The path asked for.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
        /// The allowed paths, as shown.
        allowed: String,
    },
    /// The builder program could not be executed inside the sandbox.
    #[error("cannot execute the builder '{builder}' of '{name}': {source}")]
    ExecFailed {
        /// The build's name.
        name: String,
        /// The builder program.
        builder: String,
        /// Why it could not be executed.
        source: io::Error,
    },
    /// The sandbox could not be created.
    #[error(
        "could not set up the sandbox for '{name}' (are user namespaces enabled? see \
         /proc/sys/user/max_user_namespaces): {message}"
    )]
    SetupFailed {
        /// The build's name.
        name: String,
        /// Which set-up step failed and why.
        message: String,
    },
    /// A file system operation around the build failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The builder ran and failed.
    #[error("{}", failure_message(.name, &.status.to_string(), .tail, .log_path, .kept_build_dir))]
    BuilderFailed {
        /// The build's name.
        name: String,
        /// How the builder ended.
        status: BuilderStatus,
        /// The last lines of its log.
        tail: Vec<String>,
        /// The full log.
        log_path: PathBuf,
        /// The build directory, when kept for inspection.
        kept_build_dir: Option<PathBuf>,
    },
    /// The builder ran longer than the configured timeout and was killed.
    #[error("{}", failure_message(.name, &format!("a timeout after {} s", .after.as_secs_f64()), .tail, .log_path, .kept_build_dir))]
    TimedOut {
        /// The build's name.
        name: String,
        /// The timeout.
        after: Duration,
        /// The last lines of its log.
        tail: Vec<String>,
        /// The full log.
        log_path: PathBuf,
        /// The build directory, when kept for inspection.
        kept_build_dir: Option<PathBuf>,
    },
    /// The builder printed nothing for longer than allowed and was killed.
    #[error("{}", failure_message(.name, &format!("no output for {} s (max-silent-time)", .after.as_secs_f64()), .tail, .log_path, .kept_build_dir))]
    Silent {
        /// The build's name.
        name: String,
        /// The allowed silence.
        after: Duration,
        /// The last lines of its log.
        tail: Vec<String>,
        /// The full log.
        log_path: PathBuf,
        /// The build directory, when kept for inspection.
        kept_build_dir: Option<PathBuf>,
    },
    /// The builder succeeded but did not create one of its outputs.
    #[error("builder for '{name}' failed to produce output path for output '{output}' at '{}'", .path.display())]
    MissingOutput {
        /// The build's name.
        name: String,
        /// The output's name.
        output: String,
        /// Its logical store path.
        path: PathBuf,
    },
}

fn failure_message(
    name: &str,
    how: &str,
    tail: &[String],
    log_path: &Path,
    kept: &Option<PathBuf>,
) -> String {
    let mut msg = format!("builder for '{name}' failed with {how}");
    if tail.is_empty() {
        msg.push_str("; it printed nothing");
    } else {
        msg.push_str(&format!("; last {} log lines:", tail.len()));
        for line in tail {
            msg.push_str("\n> ");
            msg.push_str(line);
        }
    }
    msg.push_str(&format!("\nfull log: {}", log_path.display()));
    if let Some(dir) = kept {
        msg.push_str(&format!("\nbuild directory kept at {}", dir.display()));
    }
    msg
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> SandboxError {
    let context = context.into();
    move |source| SandboxError::Io { context, source }
}

/// A per-build scratch directory on the host: `build/` (seen as `/build`),
/// `store/` (seen as the store directory) and `etc/`. Removed when dropped
/// unless [`ScratchDir::keep`] was called.
#[derive(Debug)]
pub struct ScratchDir {
    root: PathBuf,
    keep: bool,
}

impl ScratchDir {
    fn create(parent: &Path, name: &str) -> Result<ScratchDir, SandboxError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        fs::create_dir_all(parent).map_err(io_err(format!(
            "creating scratch parent directory {}",
            parent.display()
        )))?;
        let safe: String = name
            .rsplit('/')
            .next()
            .unwrap_or(name)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+-._".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(100)
            .collect();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let root = parent.join(format!("xnix-build-{safe}-{}-{n}", std::process::id()));
            match fs::create_dir(&root) {
                Ok(()) => {
                    let dir = ScratchDir { root, keep: false };
                    fs::set_permissions(&dir.root, fs::Permissions::from_mode(0o700))
                        .map_err(io_err(format!("restricting {}", dir.root.display())))?;
                    for sub in ["build", "store", "etc"] {
                        fs::create_dir(dir.root.join(sub)).map_err(io_err(format!(
                            "creating {}",
                            dir.root.join(sub).display()
                        )))?;
                    }
                    return Ok(dir);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(SandboxError::Io {
                        context: format!("creating scratch directory {}", root.display()),
                        source: e,
                    })
                }
            }
        }
    }

    /// The scratch directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host directory seen as `/build` inside the sandbox.
    pub fn build_dir(&self) -> PathBuf {
        self.root.join("build")
    }

    /// The host directory seen as the store directory inside the sandbox.
    pub fn store_dir(&self) -> PathBuf {
        self.root.join("store")
    }

    /// Keeps the directory on disk after this value is dropped and returns
    /// its path.
    pub fn keep(&mut self) -> PathBuf {
        self.keep = true;
        // Tells remove_stale_scratch_dirs to leave it alone.
        let _ = fs::write(self.root.join(KEEP_MARKER), b"");
        self.root.clone()
    }
}

/// File in a scratch directory that was kept on request.
const KEEP_MARKER: &str = ".xnix-keep";

/// Removes the scratch directories under `parent` left by processes that
/// no longer run (crashed or killed builds), except those kept on request.
/// Returns how many were removed.
pub fn remove_stale_scratch_dirs(parent: &Path) -> usize {
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("xnix-build-") else {
            continue;
        };
        // xnix-build-<name>-<pid>-<counter>
        let mut fields = rest.rsplitn(3, '-');
        let (_counter, pid) = (fields.next(), fields.next());
        let Some(pid) = pid.and_then(|p| p.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        // SAFETY: signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if alive || entry.path().join(KEEP_MARKER).exists() {
            continue;
        }
        if remove_tree(&entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = remove_tree(&self.root);
        }
    }
}

/// Removes a file or directory tree, first making read-only directories
/// writable (builders often leave them so).
pub fn remove_tree(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        if meta.permissions().mode() & 0o700 != 0o700 {
            fs::set_permissions(
                path,
                fs::Permissions::from_mode(meta.permissions().mode() | 0o700),
            )?;
        }
        for entry in fs::read_dir(path)? {
            remove_tree(&entry?.path())?;
        }
        fs::remove_dir(path)
    } else {
        fs::remove_file(path)
    }
}

/// What a successful build leaves behind: its outputs, still in the
/// scratch directory, and the scratch directory itself (removed on drop).
#[derive(Debug)]
pub struct SandboxOutput {
    /// Output name → host path where the builder created it. Move each to
    /// its final place before dropping this value.
    pub outputs: BTreeMap<String, PathBuf>,
    /// The scratch directory holding the outputs and the build directory.
    pub scratch: ScratchDir,
}

/// The part of a logical store path below the store directory, which must
/// be a single file name.
fn store_base_name<'a>(store_dir: &Path, path: &'a Path) -> Option<&'a std::ffi::OsStr> {
    let rest = path.strip_prefix(store_dir).ok()?;
    let mut comps = rest.components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(name)), None) => Some(name),
        _ => None,
    }
}

fn check_config(config: &SandboxConfig, name: &str) -> Result<(), SandboxError> {
    let invalid = |reason: String| SandboxError::InvalidJob {
        name: name.to_string(),
        reason,
    };
    let reserved = |p: &Path| -> bool {
        match p.components().nth(1) {
            Some(Component::Normal(top)) => RESERVED_TOP_DIRS.iter().any(|r| top == *r),
            _ => true,
        }
    };
    if !config.store_dir.is_absolute() || reserved(&config.store_dir) {
        return Err(invalid(format!(
            "the logical store directory '{}' must be an absolute path outside /build, /tmp, \
             /proc, /dev and /etc (those are provided by the sandbox itself)",
            config.store_dir.display()
        )));
    }
    for sp in &config.sandbox_paths {
        if !sp.inside.is_absolute()
            || sp.inside.starts_with(&config.store_dir)
            || config.store_dir.starts_with(&sp.inside)
            || reserved(&sp.inside)
        {
            return Err(invalid(format!(
                "sandbox path '{}' must be absolute, neither inside nor above the store \
                 directory, and outside the sandbox's own /build, /tmp, /proc, /dev and /etc",
                sp.inside.display()
            )));
        }
    }
    Ok(())
}

/// Runs `job` in a sandbox configured by `config`.
///
/// The builder's merged standard output and error are appended to
/// `log_path` (created with its parent directories) and, line by line, given
/// to `on_line`. On success every output exists in the returned
/// [`SandboxOutput`]; on failure the scratch directory is removed unless
/// `keep_failed` is true, in which case its path is in the error.
pub fn run_build(
    config: &SandboxConfig,
    job: &BuildJob,
    log_path: &Path,
    keep_failed: bool,
    on_line: &mut dyn FnMut(&str),
) -> Result<SandboxOutput, SandboxError> {
    check_config(config, &job.name)?;
    let invalid = |reason: String| SandboxError::InvalidJob {
        name: job.name.clone(),
        reason,
    };
    if !job.builder.starts_with('/') {
        return Err(invalid(format!(
            "the builder '{}' is not an absolute path; a sandboxed builder must be named by its \
             full path inside the sandbox (a store path or a sandbox path)",
            job.builder
        )));
    }
    let mut output_names = BTreeMap::new();
    for (output, path) in &job.outputs {
        let base = store_base_name(&config.store_dir, path).ok_or_else(|| {
            invalid(format!(
                "output '{output}' path '{}' is not directly inside the store directory '{}'",
                path.display(),
                config.store_dir.display()
            ))
        })?;
        output_names.insert(output.clone(), base.to_os_string());
    }
    let mut inputs = Vec::new();
    for input in &job.input_paths {
        let base = store_base_name(&config.store_dir, input).ok_or_else(|| {
            invalid(format!(
                "input '{}' is not directly inside the store directory '{}'",
                input.display(),
                config.store_dir.display()
            ))
        })?;
        if output_names.values().any(|o| o == base) {
            return Err(invalid(format!(
                "'{}' is both an input and an output",
                input.display()
            )));
        }
        let physical = config.real_store_dir.join(base);
        if fs::symlink_metadata(&physical).is_err() {
            return Err(invalid(format!(
                "input path '{}' is not present at '{}'; build or fetch it first",
                input.display(),
                physical.display()
            )));
        }
        inputs.push((physical, input.clone()));
    }
    let root = sandbox_root(config, job, &inputs)?;
    let impure = check_impure_host_deps(
        &job.name,
        &config.impure_host_deps,
        &config.allowed_impure_host_deps,
    )?;
    let mut sandbox_paths = Vec::new();
    for sp in config.sandbox_paths.iter().chain(&impure) {
        // A root brings its own /bin, /usr, /lib*: the machine's sandbox
        // paths there (the busybox /bin/sh) would hide or clash with it.
        if root.is_some()
            && ROOT_DIRS
                .iter()
                .any(|d| sp.inside.starts_with(Path::new("/").join(d)))
        {
            continue;
        }
        if fs::symlink_metadata(&sp.host).is_ok() {
            sandbox_paths.push(sp);
        } else if !sp.optional {
            return Err(invalid(format!(
                "sandbox path '{}' does not exist on the host; remove it from sandbox-paths or \
                 mark it optional with a trailing '?'",
                sp.host.display()
            )));
        }
    }
    // A path inside another sandbox path is already visible through it
    // (e.g. /bin/sh when /bin is shared); mounting it too could not work
    // through a read-only parent, so the outer one wins.
    let all_inside: Vec<PathBuf> = sandbox_paths.iter().map(|sp| sp.inside.clone()).collect();
    let mut seen = BTreeSet::new();
    sandbox_paths.retain(|sp| {
        let covered = all_inside
            .iter()
            .any(|other| *other != sp.inside && sp.inside.starts_with(other));
        !covered && seen.insert(sp.inside.clone())
    });

    let mut scratch = ScratchDir::create(&config.scratch_parent, &job.name)?;
    let env = builder_env(config, job, &|name| std::env::var(name).ok());
    for (file, contents) in env.files.iter().chain(&job.extra_files) {
        if file.is_empty() || file.contains('/') || file == "." || file == ".." {
            return Err(invalid(format!(
                "'{file}' is not a valid file name in the build directory"
            )));
        }
        let p = scratch.build_dir().join(file);
        fs::write(&p, contents).map_err(io_err(format!("writing {}", p.display())))?;
    }
    write_etc_files(&scratch, job.fixed_output)?;

    if let Some(parent) = log_path.parent() {
        fs::create_dir_all(parent).map_err(io_err(format!(
            "creating log directory {}",
            parent.display()
        )))?;
    }
    let mut log_file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(io_err(format!("opening build log {}", log_path.display())))?;
    // As under Nix, the builder's standard output and error are a
    // pseudo-terminal (in raw mode), its standard input /dev/null.
    let (log_reader, log_writer) = open_pty().map_err(io_err("creating the log terminal"))?;
    let log_writer2 = log_writer
        .try_clone()
        .map_err(io_err("duplicating the log terminal"))?;
    let log_reader = fs::File::from(log_reader);

    let spec = NsSpec {
        new_root: scratch.root().join("root"),
        ops: layout(
            config,
            job,
            &scratch,
            &inputs,
            &sandbox_paths,
            root.as_deref(),
        )
        .into_iter()
        .chain(crate::binfmt::mount_op(&config.emulation))
        .collect(),
        private_network: !job.fixed_output,
        uid: SANDBOX_UID,
        gid: SANDBOX_GID,
        hostname: "localhost".to_string(),
        chdir: PathBuf::from(SANDBOX_BUILD_DIR),
    };
    fs::create_dir(&spec.new_root)
        .map_err(io_err(format!("creating {}", spec.new_root.display())))?;
    let mut cmd = Command::new(&job.builder);
    // As Nix does, the builder sees its own base name as argv[0].
    cmd.arg0(
        Path::new(&job.builder)
            .file_name()
            .unwrap_or(job.builder.as_ref()),
    );
    cmd.args(&job.args);
    cmd.env_clear();
    cmd.envs(&env.vars);
    cmd.stdin(Stdio::null());
    cmd.stdout(log_writer).stderr(log_writer2);
    ns::configure(&mut cmd, &spec).map_err(|e| SandboxError::SetupFailed {
        name: job.name.clone(),
        message: e.to_string(),
    })?;
    let spawned = cmd.spawn();
    // Close our copies of the write ends so EOF arrives when the sandbox ends.
    drop(cmd);

    let tail_len = config.log_tail_lines;
    let started = Instant::now();
    let mut log = LogPump {
        file: &mut log_file,
        on_line,
        tail: VecDeque::with_capacity(tail_len + 1),
        tail_len,
        error: None,
        started,
        last_output_ms: Arc::new(AtomicU64::new(0)),
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(source) => {
            // Set-up steps explain themselves in the log before failing.
            log.pump(log_reader);
            let setup: Vec<String> = log
                .tail
                .iter()
                .filter_map(|l| l.strip_prefix(ns::SETUP_MESSAGE_PREFIX))
                .map(str::to_string)
                .collect();
            return Err(if setup.is_empty() {
                SandboxError::ExecFailed {
                    name: job.name.clone(),
                    builder: job.builder.clone(),
                    source,
                }
            } else {
                SandboxError::SetupFailed {
                    name: job.name.clone(),
                    message: format!("{}: {source}", setup.join("; ")),
                }
            });
        }
    };

    // Which limit, if any, killed the builder: 1 = total time, 2 = silence.
    let killed_for = Arc::new(AtomicU8::new(0));
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let watchdog = (config.timeout.is_some() || config.max_silent_time.is_some()).then(|| {
        let pid = child.id() as libc::pid_t;
        let killed_for = Arc::clone(&killed_for);
        let last_output = Arc::clone(&log.last_output_ms);
        let (timeout, silent) = (config.timeout, config.max_silent_time);
        std::thread::spawn(move || loop {
            let elapsed = started.elapsed();
            let quiet =
                elapsed.saturating_sub(Duration::from_millis(last_output.load(Ordering::Relaxed)));
            let reason = if timeout.is_some_and(|t| elapsed >= t) {
                1
            } else if silent.is_some_and(|t| quiet >= t) {
                2
            } else {
                0
            };
            if reason != 0 {
                killed_for.store(reason, Ordering::SeqCst);
                // SAFETY: the child is not reaped before this thread is
                // joined, so the pid still names it. Killing it kills the
                // sandbox's PID 1 (parent-death signal) and so everything
                // in the sandbox.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                return;
            }
            let mut wait = Duration::from_millis(200);
            if let Some(t) = timeout {
                wait = wait.min(t.saturating_sub(elapsed));
            }
            if let Some(t) = silent {
                wait = wait.min(t.saturating_sub(quiet));
            }
            match stop_rx.recv_timeout(wait) {
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                _ => return,
            }
        })
    });

    log.pump(log_reader);
    drop(stop_tx);
    if let Some(w) = watchdog {
        let _ = w.join();
    }
    let status = child
        .wait()
        .map_err(io_err("waiting for the sandbox process"))?;
    let _ = log.file.flush();
    if let Some(e) = log.error.take() {
        return Err(SandboxError::Io {
            context: format!("writing build log {}", log_path.display()),
            source: e,
        });
    }

    let tail: Vec<String> = log.tail.into_iter().collect();
    let failed = |scratch: &mut ScratchDir| {
        if keep_failed {
            Some(scratch.keep())
        } else {
            None
        }
    };
    match killed_for.load(Ordering::SeqCst) {
        1 => {
            return Err(SandboxError::TimedOut {
                name: job.name.clone(),
                after: config.timeout.unwrap_or_default(),
                tail,
                log_path: log_path.to_path_buf(),
                kept_build_dir: failed(&mut scratch),
            })
        }
        2 => {
            return Err(SandboxError::Silent {
                name: job.name.clone(),
                after: config.max_silent_time.unwrap_or_default(),
                tail,
                log_path: log_path.to_path_buf(),
                kept_build_dir: failed(&mut scratch),
            })
        }
        _ => {}
    }
    let builder_status = describe(status);
    if builder_status != BuilderStatus::Exited(0) {
        return Err(SandboxError::BuilderFailed {
            name: job.name.clone(),
            status: builder_status,
            tail,
            log_path: log_path.to_path_buf(),
            kept_build_dir: failed(&mut scratch),
        });
    }

    let mut outputs = BTreeMap::new();
    for (output, base) in &output_names {
        let produced = scratch.store_dir().join(base);
        if fs::symlink_metadata(&produced).is_err() {
            let _ = failed(&mut scratch);
            return Err(SandboxError::MissingOutput {
                name: job.name.clone(),
                output: output.clone(),
                path: job.outputs[output].clone(),
            });
        }
        outputs.insert(output.clone(), produced);
    }
    Ok(SandboxOutput { outputs, scratch })
}

/// Copies the builder's output to the log file and the line callback,
/// keeping the last lines for error reports.
struct LogPump<'a> {
    file: &'a mut fs::File,
    on_line: &'a mut dyn FnMut(&str),
    tail: VecDeque<String>,
    tail_len: usize,
    error: Option<io::Error>,
    /// When the build started, and when (in ms after that) it last printed.
    started: Instant,
    last_output_ms: Arc<AtomicU64>,
}

impl LogPump<'_> {
    /// Reads `reader` to its end.
    fn pump(&mut self, reader: impl Read) {
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    if self.error.is_none() {
                        if let Err(e) = self.file.write_all(&line) {
                            self.error = Some(e);
                        }
                    }
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches(['\n', '\r']);
                    self.last_output_ms
                        .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
                    (self.on_line)(text);
                    if self.tail_len > 0 {
                        if self.tail.len() == self.tail_len {
                            self.tail.pop_front();
                        }
                        self.tail.push_back(text.to_string());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A terminal's master reports EIO once every slave is closed.
                Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
                Err(e) => {
                    self.error.get_or_insert(e);
                    break;
                }
            }
        }
    }
}

/// Opens a pseudo-terminal in raw mode: (master, slave), both close-on-exec.
fn open_pty() -> io::Result<(OwnedFd, OwnedFd)> {
    // SAFETY: plain libc calls; every returned descriptor is checked and
    // owned exactly once.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        if master < 0 {
            return Err(io::Error::last_os_error());
        }
        let master = OwnedFd::from_raw_fd(master);
        if libc::grantpt(master.as_raw_fd()) != 0 || libc::unlockpt(master.as_raw_fd()) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut name = [0 as libc::c_char; 128];
        let rc = libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        let slave = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        if slave < 0 {
            return Err(io::Error::last_os_error());
        }
        let slave = OwnedFd::from_raw_fd(slave);
        let mut term: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(slave.as_raw_fd(), &mut term) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::cfmakeraw(&mut term);
        if libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &term) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((master, slave))
    }
}

fn describe(status: ExitStatus) -> BuilderStatus {
    match (status.code(), status.signal()) {
        (Some(code), _) => BuilderStatus::Exited(code),
        (None, Some(sig)) => BuilderStatus::Signalled(sig),
        (None, None) => BuilderStatus::Exited(-1),
    }
}

fn write_etc_files(scratch: &ScratchDir, fixed_output: bool) -> Result<(), SandboxError> {
    let etc = scratch.root().join("etc");
    let write = |name: &str, contents: String| {
        let p = etc.join(name);
        fs::write(&p, contents).map_err(io_err(format!("writing {}", p.display())))
    };
    write(
        "passwd",
        format!(
            "root:x:0:0:Nix build user:{SANDBOX_BUILD_DIR}:/noshell\n\
             nixbld:x:{SANDBOX_UID}:{SANDBOX_GID}:Nix build user:{SANDBOX_BUILD_DIR}:/noshell\n\
             nobody:x:65534:65534:Nobody:/:/noshell\n"
        ),
    )?;
    write(
        "group",
        format!("root:x:0:\nnixbld:!:{SANDBOX_GID}:\nnogroup:x:65534:\n"),
    )?;
    if !fixed_output {
        write("hosts", "127.0.0.1 localhost\n::1 localhost\n".to_string())?;
    }
    Ok(())
}

/// The sandbox's file system, in the order it is made.
fn layout(
    config: &SandboxConfig,
    job: &BuildJob,
    scratch: &ScratchDir,
    inputs: &[(PathBuf, PathBuf)],
    sandbox_paths: &[&SandboxPath],
    root: Option<&Path>,
) -> Vec<MountOp> {
    let bind = |host: PathBuf, inside: PathBuf, read_only: bool| MountOp::Bind {
        host,
        inside,
        read_only,
    };
    let mut ops = vec![
        MountOp::Dev {
            inside: "/dev".into(),
        },
        MountOp::Proc {
            inside: "/proc".into(),
        },
        bind(scratch.build_dir(), SANDBOX_BUILD_DIR.into(), false),
        MountOp::Symlink {
            target: SANDBOX_BUILD_DIR.into(),
            inside: "/tmp".into(),
        },
        bind(scratch.store_dir(), config.store_dir.clone(), false),
    ];
    for (physical, logical) in inputs {
        ops.push(bind(physical.clone(), logical.clone(), true));
    }
    let etc = scratch.root().join("etc");
    ops.push(bind(etc.join("passwd"), "/etc/passwd".into(), true));
    ops.push(bind(etc.join("group"), "/etc/group".into(), true));
    if job.fixed_output {
        for f in ["/etc/resolv.conf", "/etc/hosts", "/etc/services"] {
            if fs::metadata(f).is_ok() {
                ops.push(bind(f.into(), f.into(), true));
            }
        }
    } else {
        ops.push(bind(etc.join("hosts"), "/etc/hosts".into(), true));
    }
    if let Some(root) = root {
        ops.push(bind(root.join("usr"), "/usr".into(), true));
        for dir in ROOT_DIRS.iter().filter(|d| **d != "usr") {
            if root.join("usr").join(dir).is_dir() {
                ops.push(MountOp::Symlink {
                    target: format!("usr/{dir}").into(),
                    inside: Path::new("/").join(dir),
                });
            }
        }
    }
    for sp in sandbox_paths {
        ops.push(bind(sp.host.clone(), sp.inside.clone(), true));
    }
    ops
}

/// The top-level directories a `__xnixRoot` provides.
const ROOT_DIRS: &[&str] = &["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// The physical path of the job's `__xnixRoot`, checked: a store path of
/// its input closure with a `usr/` directory.
fn sandbox_root(
    config: &SandboxConfig,
    job: &BuildJob,
    inputs: &[(PathBuf, PathBuf)],
) -> Result<Option<PathBuf>, SandboxError> {
    let Some(wanted) = job
        .env
        .get("__xnixRoot")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let invalid = |reason: String| SandboxError::InvalidJob {
        name: job.name.clone(),
        reason,
    };
    let (physical, _) = inputs
        .iter()
        .find(|(_, logical)| logical == Path::new(wanted))
        .ok_or_else(|| {
            invalid(format!(
                "__xnixRoot '{wanted}' is not a store path of the derivation's inputs (under {})",
                config.store_dir.display()
            ))
        })?;
    if !physical.join("usr").is_dir() {
        return Err(invalid(format!(
            "__xnixRoot '{wanted}' has no usr/ directory; it must be a merged-/usr tree such as \
             builtin:unpack-debs makes"
        )));
    }
    Ok(Some(physical.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_path_syntax() {
        assert_eq!(
            SandboxPath::parse("/bin/sh").unwrap(),
            SandboxPath::same("/bin/sh")
        );
        let p = SandboxPath::parse("/bin/sh=/usr/bin/busybox?").unwrap();
        assert_eq!(p.inside, Path::new("/bin/sh"));
        assert_eq!(p.host, Path::new("/usr/bin/busybox"));
        assert!(p.optional);
        assert!(SandboxPath::parse("bin/sh").is_err());
        assert!(SandboxPath::parse("=/x").is_err());
    }

    #[test]
    fn store_base_names() {
        let store = Path::new("/nix/store");
        assert_eq!(
            store_base_name(store, Path::new("/nix/store/abc-x")).unwrap(),
            "abc-x"
        );
        assert!(store_base_name(store, Path::new("/nix/store/abc-x/bin")).is_none());
        assert!(store_base_name(store, Path::new("/nix/store")).is_none());
        assert!(store_base_name(store, Path::new("/other/abc")).is_none());
    }
}
