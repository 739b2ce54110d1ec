//! SSH test hosts: Debian's OpenSSH server started by the test in its own
//! network, mount and PID namespaces, each host with its own root directory
//! (its own `/etc`, `/xnix`, `/nix`, `/root`, `/tmp`, `/run`; `/usr` is the
//! machine's, read-only, with the host's own `/usr/local` over it).
//!
//! The host's root becomes the root of its mount namespace (pivot_root),
//! so that builds there can make their own namespaces.
//!
//! A [`Lab`] is a network namespace of its own (only loopback at first);
//! each [`Host`] gets a veth pair whose one end is in the lab and the other
//! in the host's namespace, `10.77.N.1` and `10.77.N.2`. Commands of the
//! "deploying machine" run in the lab's namespace ([`Lab::command`]), so
//! nothing of the real machine's network configuration changes: every
//! namespace, interface and mount goes away with the processes that hold
//! it, also when the test process dies (the holders read a pipe from it).
//!
//! Keys are made per lab: one client key (root may log in to every host
//! with it: /etc/ssh/authorized_keys.d/root) and one host key per host,
//! listed in the lab's known_hosts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The script each host runs as PID 1 of its namespaces. Arguments: the
/// host directory, the host's address.
const HOST_INIT: &str = r#"
set -eu
dir=$1; addr=$2; xnix_size=$3
root=$dir/root
# Wait for the test to move our end of the veth pair in.
i=0
while ! ip link show eth0 >/dev/null 2>&1; do
    i=$((i+1)); [ $i -lt 500 ] || { echo "no eth0" >&2; exit 1; }
    sleep 0.01
done
ip link set lo up
ip addr add "$addr/24" dev eth0
ip link set eth0 up
# The host's root as a mount point of its own (pivot_root needs one), the
# machine's /usr read-only in it, and the host's own /usr/local over that.
mount --bind "$root" "$root"
# A host with a small disk: /xnix on a tmpfs of that size.
[ "$xnix_size" = - ] || mount -t tmpfs -o "size=$xnix_size" tmpfs "$root/xnix"
mount --bind /usr "$root/usr"
mount -o remount,bind,ro "$root/usr"
mount --bind "$dir/usr-local" "$root/usr/local"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys" 2>/dev/null || true
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mkdir -p "$root/run/sshd" "$root/.old-root"
# Make the host's root the root of this mount namespace (pivot_root, not
# chroot: the kernel refuses user namespaces, which builds need, in a chroot).
cd "$root"
pivot_root . .old-root
cd /
umount -l /.old-root
rmdir /.old-root 2>/dev/null || true
# Keep running while the test holds our stdin open.
/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config </dev/null 2>/var/log/sshd.log &
sshd=$!
cat >/dev/null || true
kill "$sshd" 2>/dev/null || true
"#;

const SSHD_CONFIG: &str = "\
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/test_host_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile /etc/ssh/authorized_keys.d/%u
UsePAM no
StrictModes no
PidFile /run/sshd.pid
MaxSessions 64
MaxStartups 64
";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A private network namespace with SSH test hosts in it.
pub struct Lab {
    dir: tempfile_dir::TempDir,
    holder: Child,
    hosts: usize,
    /// Servers started in the lab (HTTP), ended with it.
    services: Vec<Child>,
}

mod tempfile_dir {
    //! A scratch directory removed on drop (kept small: this crate has no
    //! dependencies of its own).
    use std::path::{Path, PathBuf};
    pub struct TempDir(PathBuf);
    impl TempDir {
        pub fn new(prefix: &str) -> TempDir {
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let p = std::env::temp_dir().join(format!(
                "{prefix}-{}-{}",
                std::process::id(),
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).expect("creating a scratch directory");
            TempDir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Lab {
    /// A new lab: a network namespace with loopback up, and a client key.
    pub fn new() -> Lab {
        let dir = tempfile_dir::TempDir::new("xnix-lab");
        let holder = Command::new("unshare")
            .args([
                "--net",
                "--",
                "sh",
                "-c",
                "ip link set lo up && cat >/dev/null",
            ])
            .stdin(Stdio::piped())
            .spawn()
            .expect("starting the lab's network namespace (unshare from util-linux; root needed)");
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "xnix-lab", "-f"])
            .arg(dir.path().join("id")));
        std::fs::write(dir.path().join("known_hosts"), "").unwrap();
        let lab = Lab {
            dir,
            holder,
            hosts: 0,
            services: Vec::new(),
        };
        // Wait until the namespace exists (the holder has exec'd past unshare).
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_link(lab.netns()).ok() == std::fs::read_link("/proc/self/ns/net").ok() {
            assert!(
                Instant::now() < deadline,
                "the lab's network namespace did not appear"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        lab
    }

    /// The lab's network namespace file.
    pub fn netns(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/ns/net", self.holder.id()))
    }

    /// The lab's scratch directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A command run in the lab's network namespace (as the deploying machine).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net={}", self.netns().display()))
            .arg("--")
            .arg(program);
        cmd
    }

    /// The xnix binary `xnix` run in the lab as the deploying machine: in
    /// the workspace root (so tests/deploy/... resolve), with the lab's ssh
    /// options in `XNIX_SSHOPTS`, an empty `NIX_PATH`, and no store, builder
    /// or substituter settings from the environment.
    pub fn xnix(&self, xnix: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = self.command(&xnix);
        crate::deb_cache::configure(&mut cmd, Path::new(xnix.as_ref()))
            .current_dir(crate::store_root::workspace_root())
            .env("XNIX_SSHOPTS", self.ssh_opts())
            .env("NIX_PATH", "")
            .env_remove("XNIX_STORE_DIR")
            .env_remove("XNIX_STORE_ROOT")
            .env_remove("XNIX_BUILDERS")
            .env_remove("XNIX_SUBSTITUTERS");
        cmd
    }

    /// `xnix --store-root LAB/deployer deploy -f tests/deploy/fleet.nix`
    /// for `hosts` (board1, board2, ... in that order), with the lab's key
    /// as the boards' authorized key; add arguments to it.
    pub fn deploy_fleet(&self, xnix: impl AsRef<std::ffi::OsStr>, hosts: &[&Host]) -> Command {
        let list = format!(
            "[ {} ]",
            hosts
                .iter()
                .map(|h| format!("\"{}\"", h.address))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let mut cmd = self.xnix(xnix);
        cmd.arg("--store-root")
            .arg(self.dir().join("deployer"))
            .args(["deploy", "-f", "tests/deploy/fleet.nix", "--arg", "hosts"])
            .arg(list)
            .args(["--argstr", "key"])
            .arg(self.public_key());
        cmd
    }

    /// Serve `dir` over HTTP to the lab's hosts (busybox's httpd in the
    /// lab's network namespace, port 8080, ended when the lab ends); the
    /// base URL as host number `n` (1 for the first host) reaches it.
    pub fn serve_http(&mut self, dir: &Path, n: usize) -> String {
        let child = self
            .command("busybox")
            .args(["httpd", "-f", "-p", "0.0.0.0:8080", "-h"])
            .arg(dir)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting busybox httpd (busybox-static, from scripts/install-deps)");
        self.services.push(child);
        // Ready when it answers (from the lab: it listens on every address);
        // any HTTP answer will do, a 404 for / included.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self
                .command("busybox")
                .args(["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"])
                .output()
                .expect("running busybox wget");
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.success() || err.contains("HTTP/") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "busybox httpd did not start: {err}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        format!("http://10.77.{n}.1:8080")
    }

    /// The ssh options that reach the lab's hosts with its key (for
    /// `XNIX_SSHOPTS` / `NIX_SSHOPTS`).
    pub fn ssh_opts(&self) -> String {
        format!(
            "-F /dev/null -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o ConnectTimeout=5",
            self.dir().join("id").display(),
            self.dir().join("known_hosts").display()
        )
    }

    /// The lab's public client key (what a host's
    /// /etc/ssh/authorized_keys.d/root must hold to let the lab in).
    pub fn public_key(&self) -> String {
        std::fs::read_to_string(self.dir().join("id.pub"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// Start a host. `programs` are (file, name) pairs installed in the
    /// host's `/usr/local/bin` (e.g. the xnix binary under test).
    pub fn host(&mut self, name: &str, programs: &[(&Path, &str)]) -> Host {
        self.host_with_disk(name, programs, None)
    }

    /// [`Lab::host`] with `/xnix` on a tmpfs of `xnix_size` (e.g. `"4m"`),
    /// for tests of a full disk.
    pub fn host_with_disk(
        &mut self,
        name: &str,
        programs: &[(&Path, &str)],
        xnix_size: Option<&str>,
    ) -> Host {
        self.hosts += 1;
        let n = self.hosts;
        let address = format!("10.77.{n}.2");
        let dir = self.dir().join(name);
        let root = dir.join("root");
        for d in [
            "usr",
            "xnix",
            "nix",
            "root/.ssh",
            "tmp",
            "proc",
            "dev",
            "sys",
            "run",
            "var/empty",
            "var/log",
            "var/tmp",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::create_dir_all(dir.join("usr-local/bin")).unwrap();
        for (link, target) in [
            ("bin", "usr/bin"),
            ("sbin", "usr/sbin"),
            ("lib", "usr/lib"),
            ("lib64", "usr/lib64"),
        ] {
            std::os::unix::fs::symlink(target, root.join(link)).unwrap();
        }
        run(Command::new("cp")
            .args(["-a", "/etc"])
            .arg(root.join("etc")));
        for e in std::fs::read_dir(root.join("etc/ssh")).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("ssh_host_") || name == "sshd_config.d" {
                let _ = std::fs::remove_file(e.path());
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        std::fs::write(root.join("etc/ssh/sshd_config"), SSHD_CONFIG).unwrap();
        std::fs::write(root.join("etc/hostname"), format!("{name}\n")).unwrap();
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(root.join("etc/ssh/test_host_key")));
        // Keys live under /etc, so a system configuration deployed there can
        // manage them (and lock the deployer out).
        std::fs::create_dir_all(root.join("etc/ssh/authorized_keys.d")).unwrap();
        std::fs::copy(
            self.dir().join("id.pub"),
            root.join("etc/ssh/authorized_keys.d/root"),
        )
        .unwrap();
        let host_pub = std::fs::read_to_string(root.join("etc/ssh/test_host_key.pub")).unwrap();
        let mut kh = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir().join("known_hosts"))
            .unwrap();
        writeln!(kh, "{address} {}", host_pub.trim()).unwrap();
        for (file, name) in programs {
            std::fs::copy(file, dir.join("usr-local/bin").join(name)).unwrap();
        }

        let mut init = self.command("unshare");
        init.args([
            "--net",
            "--mount",
            "--pid",
            "--fork",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            HOST_INIT,
            "host-init",
        ])
        .arg(&dir)
        .arg(&address)
        .arg(xnix_size.unwrap_or("-"))
        .stdin(Stdio::piped());
        let child = init.spawn().expect("starting a test host (unshare)");
        // The host's PID 1 is unshare's child.
        let children = format!("/proc/{0}/task/{0}/children", child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        let inner = loop {
            if let Some(pid) = std::fs::read_to_string(&children)
                .ok()
                .and_then(|s| s.split_whitespace().next().map(str::to_string))
            {
                break pid;
            }
            assert!(Instant::now() < deadline, "the host {name} did not start");
            std::thread::sleep(Duration::from_millis(5));
        };
        let lab_if = format!("vh{n}");
        run(self.command("ip").args([
            "link", "add", &lab_if, "type", "veth", "peer", "name", "eth0", "netns", &inner,
        ]));
        run(self
            .command("ip")
            .args(["addr", "add", &format!("10.77.{n}.1/24"), "dev", &lab_if]));
        run(self.command("ip").args(["link", "set", &lab_if, "up"]));
        let host = Host {
            name: name.to_string(),
            address,
            dir,
            init: child,
            init_pid: inner,
        };
        // Ready when sshd listens.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = host.sshd_log();
            if log.contains("Server listening") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "sshd on {name} did not start: {log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        host
    }

    /// Run `ssh root@HOST COMMAND` from the lab with its key; returns (success, stdout).
    pub fn ssh(&self, host: &Host, command: &str) -> (bool, String) {
        let out = self
            .command("ssh")
            .args(self.ssh_opts().split_whitespace())
            .arg(format!("root@{}", host.address))
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .expect("running ssh");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for s in &mut self.services {
            let _ = s.kill();
            let _ = s.wait();
        }
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// One SSH test host.
pub struct Host {
    /// Its name (the directory under the lab's).
    pub name: String,
    /// Its address in the lab (`10.77.N.2`).
    pub address: String,
    dir: PathBuf,
    init: Child,
    init_pid: String,
}

impl Host {
    /// Its root directory, as seen from outside (`root()/xnix/store` is the
    /// host's `/xnix/store`).
    pub fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// `root@ADDRESS`.
    pub fn destination(&self) -> String {
        format!("root@{}", self.address)
    }

    /// `ssh://root@ADDRESS`.
    pub fn url(&self) -> String {
        format!("ssh://root@{}", self.address)
    }

    /// The PID (in the machine's namespace) of the host's first process.
    pub fn init_pid(&self) -> &str {
        &self.init_pid
    }

    /// Add a login user `name` (uid 1000 + `n`) who may log in with the
    /// lab's key and become root through sudo: with `password` sudo asks
    /// for it, without one it does not (NOPASSWD).
    pub fn add_user(&self, lab: &Lab, name: &str, n: u32, password: Option<&str>) {
        let root = self.root();
        let uid = 1000 + n;
        let append = |file: &str, line: String| {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(root.join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            writeln!(f, "{line}").unwrap();
        };
        append(
            "etc/passwd",
            format!("{name}:x:{uid}:{uid}::/home/{name}:/bin/sh"),
        );
        append("etc/group", format!("{name}:x:{uid}:"));
        let hash = match password {
            Some(p) => run(Command::new("openssl").args(["passwd", "-6", p]))
                .trim()
                .to_string(),
            None => "*".to_string(),
        };
        append("etc/shadow", format!("{name}:{hash}:19000:0:99999:7:::"));
        let home = root.join("home").join(name);
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(uid), Some(uid)).unwrap();
        std::fs::write(
            root.join("etc/ssh/authorized_keys.d").join(name),
            format!("{}\n", lab.public_key()),
        )
        .unwrap();
        let rule = if password.is_some() {
            "ALL"
        } else {
            "NOPASSWD: ALL"
        };
        let sudoers = root.join("etc/sudoers.d").join(name);
        std::fs::create_dir_all(root.join("etc/sudoers.d")).unwrap();
        std::fs::write(&sudoers, format!("{name} ALL=(ALL:ALL) {rule}\n")).unwrap();
        std::fs::set_permissions(
            &sudoers,
            std::os::unix::fs::PermissionsExt::from_mode(0o440),
        )
        .unwrap();
    }

    /// What sshd logged.
    pub fn sshd_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("root/var/log/sshd.log")).unwrap_or_default()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // Killing PID 1 of the host's PID namespace ends every process in it.
        let _ = Command::new("kill")
            .args(["-KILL", &self.init_pid])
            .status();
        let _ = self.init.kill();
        let _ = self.init.wait();
    }
}
