//! Starting a process in fresh Linux namespaces with a prepared file
//! system layout, with plain system calls (no helper program).
//!
//! The parent prepares every path and message as C strings first, because
//! the code between `fork` and `exec` must not allocate. The forked child
//! (the "intermediate") creates user, mount, PID, IPC, UTS and optionally
//! network namespaces, maps the calling user to the sandbox user, and forks
//! again: the grandchild is PID 1 of the new PID namespace. It builds the
//! root file system on a tmpfs, pivots into it, and returns to the standard
//! library, which executes the builder (with the `argv[0]` the caller
//! chose). The intermediate only waits and passes the grandchild's status
//! on; when it is killed the grandchild dies with it (parent-death signal),
//! and with PID 1 the whole namespace.
//!
//! This works the same as root and as an ordinary user, as long as the
//! kernel allows user namespaces.

use std::collections::BTreeSet;
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Prefix of the messages the sandbox set-up writes to the build log when
/// a step fails, so the parent can tell set-up failures from exec failures.
pub(crate) const SETUP_MESSAGE_PREFIX: &str = "xnix-sandbox: ";

/// One element of the sandbox's file system, in the order they are made.
#[derive(Debug, Clone)]
pub(crate) enum MountOp {
    /// Bind-mount a host path (a directory or a file) at `inside`.
    Bind {
        host: PathBuf,
        inside: PathBuf,
        read_only: bool,
    },
    /// A symbolic link at `inside` pointing to `target`.
    Symlink { target: PathBuf, inside: PathBuf },
    /// A minimal `/dev` at `inside`.
    Dev { inside: PathBuf },
    /// A fresh procfs at `inside`.
    Proc { inside: PathBuf },
    /// This user namespace's own binfmt_misc instance at `inside` (under a
    /// procfs mounted before), and each of `register` written to its
    /// `register` file before the new root is entered (see `crate::binfmt`).
    Binfmt {
        inside: PathBuf,
        register: Vec<Vec<u8>>,
    },
}

/// What the namespaces should look like.
#[derive(Debug, Clone)]
pub(crate) struct NsSpec {
    /// An empty host directory the new root is mounted on (inside the new
    /// mount namespace only).
    pub new_root: PathBuf,
    /// The file system, in order.
    pub ops: Vec<MountOp>,
    /// A network namespace with only a loopback interface.
    pub private_network: bool,
    /// The user and group id inside.
    pub uid: u32,
    pub gid: u32,
    /// The host name (and NIS domain name `(none)`).
    pub hostname: String,
    /// The working directory inside.
    pub chdir: PathBuf,
}

/// One prepared step of the set-up, with its failure message.
enum Step {
    Mkdir(CString),
    Touch(CString),
    Symlink {
        target: CString,
        link: CString,
    },
    Mount {
        source: Option<CString>,
        target: CString,
        fstype: Option<CString>,
        flags: libc::c_ulong,
        data: Option<CString>,
        /// Failure is tolerated (e.g. devpts on kernels that refuse it).
        optional: bool,
    },
    /// Remount a bind mount read-only, keeping its locked flags.
    RemountReadOnly(CString),
    /// Write `data` to the existing file `path` in one `write`.
    Write {
        path: CString,
        data: Vec<u8>,
    },
}

struct PreparedStep {
    step: Step,
    message: Vec<u8>,
}

/// Everything the child needs, allocated before forking.
struct Prepared {
    root: CString,
    steps: Vec<PreparedStep>,
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    hostname: Vec<u8>,
    chdir: CString,
    private_network: bool,
    /// For a binfmt_misc instance: the uid and gid maps of a second user
    /// namespace the builder runs in (see `enter`).
    inner_maps: Option<(Vec<u8>, Vec<u8>)>,
}

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("path {} contains a NUL byte", p.display()),
        )
    })
}

/// `root` joined with an absolute path inside the sandbox.
fn under(root: &Path, inside: &Path) -> PathBuf {
    let mut p = root.to_path_buf();
    for c in inside.components() {
        if let Component::Normal(n) = c {
            p.push(n);
        }
    }
    p
}

struct Builder<'a> {
    root: &'a Path,
    steps: Vec<PreparedStep>,
    made: BTreeSet<PathBuf>,
}

impl Builder<'_> {
    fn push(&mut self, step: Step, message: String) {
        let mut message = format!("{SETUP_MESSAGE_PREFIX}{message}").into_bytes();
        message.push(b'\n');
        self.steps.push(PreparedStep { step, message });
    }

    /// Creates the parent directories of `inside` (not `inside` itself).
    fn parents(&mut self, inside: &Path) -> io::Result<()> {
        let mut cur = PathBuf::from("/");
        let comps: Vec<_> = inside
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        for c in comps.iter().take(comps.len().saturating_sub(1)) {
            cur.push(c);
            self.dir(&cur)?;
        }
        Ok(())
    }

    fn dir(&mut self, inside: &Path) -> io::Result<()> {
        if self.made.insert(inside.to_path_buf()) {
            let host = under(self.root, inside);
            self.push(
                Step::Mkdir(cstr(&host)?),
                format!("cannot create directory {}", inside.display()),
            );
        }
        Ok(())
    }

    fn touch(&mut self, inside: &Path) -> io::Result<()> {
        if self.made.insert(inside.to_path_buf()) {
            let host = under(self.root, inside);
            self.push(
                Step::Touch(cstr(&host)?),
                format!("cannot create file {}", inside.display()),
            );
        }
        Ok(())
    }

    fn mount(
        &mut self,
        source: Option<&Path>,
        inside: &Path,
        fstype: Option<&str>,
        flags: libc::c_ulong,
        data: Option<&str>,
        optional: bool,
    ) -> io::Result<()> {
        let target = under(self.root, inside);
        let what = match (source, fstype) {
            (Some(s), None) => format!("cannot bind-mount {} on {}", s.display(), inside.display()),
            (_, Some(t)) => format!("cannot mount {t} on {}", inside.display()),
            (None, None) => format!("cannot mount on {}", inside.display()),
        };
        self.push(
            Step::Mount {
                source: source.map(cstr).transpose()?,
                target: cstr(&target)?,
                fstype: fstype.map(|t| CString::new(t).expect("no NUL in file system type")),
                flags,
                data: data.map(|d| CString::new(d).expect("no NUL in mount options")),
                optional,
            },
            what,
        );
        Ok(())
    }

    fn bind(&mut self, host: &Path, inside: &Path, read_only: bool) -> io::Result<()> {
        let meta = fs::symlink_metadata(host)?;
        self.parents(inside)?;
        if meta.file_type().is_symlink() {
            // A mount would follow the link; reproduce the link instead.
            let target = fs::read_link(host)?;
            return self.symlink(&target, inside);
        }
        if meta.is_dir() {
            self.dir(inside)?;
        } else {
            self.touch(inside)?;
        }
        self.mount(
            Some(host),
            inside,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
            false,
        )?;
        if read_only {
            let target = under(self.root, inside);
            self.push(
                Step::RemountReadOnly(cstr(&target)?),
                format!("cannot make {} read-only", inside.display()),
            );
        }
        Ok(())
    }

    fn symlink(&mut self, target: &Path, inside: &Path) -> io::Result<()> {
        self.parents(inside)?;
        self.made.insert(inside.to_path_buf());
        let link = under(self.root, inside);
        self.push(
            Step::Symlink {
                target: cstr(target)?,
                link: cstr(&link)?,
            },
            format!("cannot create symlink {}", inside.display()),
        );
        Ok(())
    }
}

fn prepare(spec: &NsSpec) -> io::Result<Prepared> {
    let mut b = Builder {
        root: &spec.new_root,
        steps: Vec::new(),
        made: BTreeSet::new(),
    };
    for op in &spec.ops {
        match op {
            MountOp::Bind {
                host,
                inside,
                read_only,
            } => b.bind(host, inside, *read_only)?,
            MountOp::Symlink { target, inside } => b.symlink(target, inside)?,
            MountOp::Proc { inside } => {
                b.parents(inside)?;
                b.dir(inside)?;
                let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
                b.mount(None, inside, Some("proc"), flags, None, false)?;
            }
            MountOp::Binfmt { inside, register } => {
                let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
                b.mount(None, inside, Some("binfmt_misc"), flags, None, false)?;
                let path = under(&spec.new_root, &inside.join("register"));
                for line in register {
                    b.push(
                        Step::Write {
                            path: cstr(&path)?,
                            data: line.clone(),
                        },
                        format!(
                            "cannot register the emulator in {} ({})",
                            inside.display(),
                            String::from_utf8_lossy(line).trim_end()
                        ),
                    );
                }
            }
            MountOp::Dev { inside } => {
                b.parents(inside)?;
                b.dir(inside)?;
                b.mount(
                    None,
                    inside,
                    Some("tmpfs"),
                    libc::MS_NOSUID | libc::MS_NOEXEC,
                    Some("mode=0755"),
                    false,
                )?;
                for dev in ["null", "zero", "full", "random", "urandom", "tty"] {
                    let host = Path::new("/dev").join(dev);
                    if fs::symlink_metadata(&host).is_ok() {
                        b.bind(&host, &inside.join(dev), false)?;
                    }
                }
                let shm = inside.join("shm");
                b.dir(&shm)?;
                b.mount(
                    None,
                    &shm,
                    Some("tmpfs"),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    Some("mode=1777"),
                    false,
                )?;
                let pts = inside.join("pts");
                b.dir(&pts)?;
                b.mount(
                    None,
                    &pts,
                    Some("devpts"),
                    libc::MS_NOSUID | libc::MS_NOEXEC,
                    Some("newinstance,ptmxmode=0666,mode=620"),
                    true,
                )?;
                b.symlink(Path::new("pts/ptmx"), &inside.join("ptmx"))?;
                b.symlink(Path::new("/proc/self/fd"), &inside.join("fd"))?;
                for (i, name) in ["stdin", "stdout", "stderr"].iter().enumerate() {
                    b.symlink(
                        &PathBuf::from(format!("/proc/self/fd/{i}")),
                        &inside.join(name),
                    )?;
                }
            }
        }
    }
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // binfmt_misc files belong to the root of the user namespace that
    // mounted them: registering needs that root mapped. So a sandbox with
    // its own binfmt_misc is set up as root of an outer namespace, and the
    // builder runs as the sandbox user of an inner one (which uses the
    // outer one's registrations: the kernel looks up the namespace chain).
    let binfmt = spec
        .ops
        .iter()
        .any(|op| matches!(op, MountOp::Binfmt { .. }));
    let map = |inside: u32, outside: u32| format!("{inside} {outside} 1\n").into_bytes();
    let (uid_map, gid_map, inner_maps) = if binfmt {
        (
            map(0, uid),
            map(0, gid),
            Some((map(spec.uid, 0), map(spec.gid, 0))),
        )
    } else {
        (map(spec.uid, uid), map(spec.gid, gid), None)
    };
    Ok(Prepared {
        root: cstr(&spec.new_root)?,
        steps: b.steps,
        uid_map,
        gid_map,
        hostname: spec.hostname.clone().into_bytes(),
        chdir: cstr(&spec.chdir)?,
        private_network: spec.private_network,
        inner_maps,
    })
}

/// Makes `cmd` start in the namespaces `spec` describes. Call before
/// `spawn`; `cmd`'s program must be a path inside the sandbox and its
/// working directory must not be set (the sandbox sets it).
pub(crate) fn configure(cmd: &mut Command, spec: &NsSpec) -> io::Result<()> {
    let prepared = prepare(spec)?;
    // SAFETY: the closure only makes system calls on memory prepared above
    // (no allocation, no locks), as required between fork and exec.
    unsafe {
        cmd.pre_exec(move || enter(&prepared));
    }
    Ok(())
}

fn say(message: &[u8]) {
    // SAFETY: write(2) on a borrowed buffer.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
    }
}

fn fail(message: &[u8]) -> io::Error {
    let e = io::Error::last_os_error();
    say(message);
    e
}

fn check(rc: libc::c_int, message: &[u8]) -> io::Result<()> {
    if rc < 0 {
        Err(fail(message))
    } else {
        Ok(())
    }
}

/// Writes `data` to the file `path` (used for /proc/self/uid_map etc.).
///
/// # Safety
/// Only system calls; callable between fork and exec.
unsafe fn write_file(path: &[u8], data: &[u8]) -> libc::c_int {
    let fd = libc::open(path.as_ptr().cast(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return -1;
    }
    let n = libc::write(fd, data.as_ptr().cast(), data.len());
    libc::close(fd);
    if n == data.len() as isize {
        0
    } else {
        -1
    }
}

/// Runs in the forked child: creates the namespaces and forks the process
/// that will execute the builder.
fn enter(p: &Prepared) -> io::Result<()> {
    // SAFETY: system calls only, on prepared memory; see the module docs.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        let mut flags = libc::CLONE_NEWUSER
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUTS;
        if p.private_network {
            flags |= libc::CLONE_NEWNET;
        }
        check(
            libc::unshare(flags),
            b"xnix-sandbox: cannot create namespaces (are user namespaces enabled? see /proc/sys/user/max_user_namespaces)\n",
        )?;
        // Denying setgroups is required before an unprivileged gid_map.
        let _ = write_file(b"/proc/self/setgroups\0", b"deny");
        check(
            write_file(b"/proc/self/uid_map\0", &p.uid_map),
            b"xnix-sandbox: cannot write uid_map\n",
        )?;
        check(
            write_file(b"/proc/self/gid_map\0", &p.gid_map),
            b"xnix-sandbox: cannot write gid_map\n",
        )?;

        let pid = libc::fork();
        check(pid, b"xnix-sandbox: cannot fork\n")?;
        if pid > 0 {
            intermediate(pid);
        }
        // PID 1 of the new namespace from here on.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        check(
            libc::sethostname(p.hostname.as_ptr().cast(), p.hostname.len()),
            b"xnix-sandbox: cannot set the host name\n",
        )?;
        let domain = b"(none)";
        let _ = libc::setdomainname(domain.as_ptr().cast(), domain.len());
        check(
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ),
            b"xnix-sandbox: cannot make mounts private\n",
        )?;
        check(
            libc::mount(
                c"tmpfs".as_ptr(),
                p.root.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                c"mode=0755".as_ptr().cast(),
            ),
            b"xnix-sandbox: cannot mount the root tmpfs\n",
        )?;
        for s in &p.steps {
            run_step(s)?;
        }
        if p.private_network {
            loopback_up()?;
        }
        check(
            libc::chdir(p.root.as_ptr()),
            b"xnix-sandbox: cannot enter the new root\n",
        )?;
        check(
            libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) as libc::c_int,
            b"xnix-sandbox: pivot_root failed\n",
        )?;
        check(
            libc::umount2(c".".as_ptr(), libc::MNT_DETACH),
            b"xnix-sandbox: cannot detach the old root\n",
        )?;
        check(
            libc::chdir(c"/".as_ptr()),
            b"xnix-sandbox: cannot enter /\n",
        )?;
        remount_top_read_only(b"/\0", b"xnix-sandbox: cannot make / read-only\n")?;
        if let Some((uid_map, gid_map)) = &p.inner_maps {
            check(
                libc::unshare(libc::CLONE_NEWUSER),
                b"xnix-sandbox: cannot create the builder's user namespace\n",
            )?;
            let _ = write_file(b"/proc/self/setgroups\0", b"deny");
            check(
                write_file(b"/proc/self/uid_map\0", uid_map),
                b"xnix-sandbox: cannot write the builder's uid_map\n",
            )?;
            check(
                write_file(b"/proc/self/gid_map\0", gid_map),
                b"xnix-sandbox: cannot write the builder's gid_map\n",
            )?;
        }
        check(
            libc::chdir(p.chdir.as_ptr()),
            b"xnix-sandbox: cannot enter the build directory\n",
        )?;
        libc::setsid();
        // As Nix does: a fixed umask, no core dumps, and no descriptor but
        // the standard ones reaching the builder (whatever the parent
        // process left inheritable, e.g. a database handle).
        libc::umask(0o022);
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: libc::RLIM_INFINITY,
        };
        let mut current: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut current) == 0 {
            let limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: current.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        } else {
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        }
        const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC) != 0 {
            for fd in 3..4096 {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
    }
    Ok(())
}

/// The intermediate process: waits for PID 1 of the sandbox and exits
/// with its status (128 + signal when it was killed).
///
/// # Safety
/// Only system calls; never returns.
unsafe fn intermediate(pid: libc::pid_t) -> ! {
    // Keep no descriptor but the standard ones: in particular not the
    // standard library's exec-status pipe, whose end of file tells the
    // parent that the builder was executed.
    if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
        for fd in 3..4096 {
            libc::close(fd);
        }
    }
    let mut status = 0;
    loop {
        let r = libc::waitpid(pid, &mut status, 0);
        if r == pid {
            break;
        }
        if r < 0 && *libc::__errno_location() != libc::EINTR {
            libc::_exit(125);
        }
    }
    if libc::WIFEXITED(status) {
        libc::_exit(libc::WEXITSTATUS(status));
    }
    // Die of the same signal so the parent sees how the builder ended.
    let sig = libc::WTERMSIG(status);
    libc::signal(sig, libc::SIG_DFL);
    libc::kill(libc::getpid(), sig);
    libc::_exit(128 + sig);
}

/// # Safety
/// Only system calls; callable between fork and exec.
unsafe fn run_step(s: &PreparedStep) -> io::Result<()> {
    match &s.step {
        Step::Mkdir(path) => {
            if libc::mkdir(path.as_ptr(), 0o755) < 0 && *libc::__errno_location() != libc::EEXIST {
                return Err(fail(&s.message));
            }
        }
        Step::Touch(path) => {
            let fd = libc::open(
                path.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC,
                0o644,
            );
            if fd < 0 {
                return Err(fail(&s.message));
            }
            libc::close(fd);
        }
        Step::Symlink { target, link } => {
            check(libc::symlink(target.as_ptr(), link.as_ptr()), &s.message)?;
        }
        Step::Mount {
            source,
            target,
            fstype,
            flags,
            data,
            optional,
        } => {
            let opt = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
            let rc = libc::mount(
                opt(source),
                target.as_ptr(),
                opt(fstype),
                *flags,
                opt(data).cast(),
            );
            if rc < 0 && !optional {
                return Err(fail(&s.message));
            }
        }
        Step::RemountReadOnly(target) => {
            remount_read_only(target.as_bytes_with_nul(), &s.message)?;
        }
        Step::Write { path, data } => {
            check(write_file(path.as_bytes_with_nul(), data), &s.message)?;
        }
    }
    Ok(())
}

/// `struct mount_attr` of mount_setattr(2) (its first version, 32 bytes).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `MOUNT_ATTR_RDONLY` and `AT_RECURSIVE` from the kernel's headers (libc
/// does not export them).
const MOUNT_ATTR_RDONLY: u64 = 0x1;
const AT_RECURSIVE: libc::c_int = 0x8000;

/// Makes the mount at `target` (NUL-terminated) and every mount below it
/// read-only, then remounts its top read-only keeping the flags a user
/// namespace may not clear. A recursive bind carries the host's sub-mounts
/// along; a plain read-only remount would leave those writable.
///
/// # Safety
/// Only system calls; callable between fork and exec.
unsafe fn remount_read_only(target: &[u8], message: &[u8]) -> io::Result<()> {
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    check(
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            target.as_ptr(),
            AT_RECURSIVE as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        ) as libc::c_int,
        message,
    )?;
    remount_top_read_only(target, message)
}

/// Remounts the bind mount at `target` (NUL-terminated) read-only,
/// keeping the flags a user namespace may not clear.
///
/// # Safety
/// Only system calls; callable between fork and exec.
unsafe fn remount_top_read_only(target: &[u8], message: &[u8]) -> io::Result<()> {
    // glibc's statvfs takes the flags from the statfs system call (the
    // kernel marks them valid), without allocating.
    let mut st: libc::statvfs = std::mem::zeroed();
    check(libc::statvfs(target.as_ptr().cast(), &mut st), message)?;
    let f = st.f_flag as libc::c_ulong;
    let mut flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY;
    for (st_flag, ms_flag) in [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if f & st_flag != 0 {
            flags |= ms_flag;
        }
    }
    check(
        libc::mount(
            std::ptr::null(),
            target.as_ptr().cast(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        ),
        message,
    )
}

/// Brings up the loopback interface of a fresh network namespace.
///
/// # Safety
/// Only system calls; callable between fork and exec.
unsafe fn loopback_up() -> io::Result<()> {
    let msg = b"xnix-sandbox: cannot bring up the loopback interface\n";
    let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    check(fd, msg)?;
    let mut ifr: libc::ifreq = std::mem::zeroed();
    ifr.ifr_name[0] = b'l' as libc::c_char;
    ifr.ifr_name[1] = b'o' as libc::c_char;
    ifr.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    let rc = libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr);
    let result = check(rc, msg);
    libc::close(fd);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_new_root() {
        assert_eq!(
            under(Path::new("/r"), Path::new("/nix/store/x")),
            Path::new("/r/nix/store/x")
        );
        assert_eq!(under(Path::new("/r"), Path::new("/")), Path::new("/r"));
    }

    #[test]
    fn parents_are_created_once_in_order() {
        let mut b = Builder {
            root: Path::new("/r"),
            steps: Vec::new(),
            made: BTreeSet::new(),
        };
        b.parents(Path::new("/a/b/c")).unwrap();
        b.parents(Path::new("/a/b/d")).unwrap();
        let made: Vec<String> = b
            .steps
            .iter()
            .map(|s| match &s.step {
                Step::Mkdir(p) => p.to_string_lossy().into_owned(),
                _ => panic!("only directories expected"),
            })
            .collect();
        assert_eq!(made, ["/r/a", "/r/a/b"]);
    }
}
