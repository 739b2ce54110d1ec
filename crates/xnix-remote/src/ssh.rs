//! Reaching other machines through the system's OpenSSH client: one master
//! connection per host (`ControlMaster`), every command a session
//! multiplexed over it, so authentication happens once per host and run.
//!
//! Extra options for `ssh` come from the caller (the CLI takes them from
//! `XNIX_SSHOPTS`, split at white space, as Nix's `NIX_SSHOPTS`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use xnix_formats::StoreDir;

use crate::sudo::RemoteSudo;
use crate::{RemoteError, Result, ServeClient};

/// A parsed `ssh://[USER@]HOST[:PORT][?remote-program=PROG]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshUrl {
    /// `HOST` or `USER@HOST`, as ssh takes it.
    pub destination: String,
    /// A port other than ssh's default.
    pub port: Option<u16>,
    /// The program to run there instead of finding `xnix` (or `nix-store`).
    pub remote_program: Option<String>,
}

impl SshUrl {
    /// Parse `url`; `Ok(None)` when it is not an `ssh://` URL.
    pub fn parse(url: &str) -> Result<Option<SshUrl>> {
        let Some(rest) = url.strip_prefix("ssh://") else {
            return Ok(None);
        };
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        let bad = |why: &str| {
            RemoteError::Usage(format!(
                "invalid SSH URL '{url}': {why} (expected ssh://[USER@]HOST[:PORT])"
            ))
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| bad("the port is not a number"))?,
                ),
            ),
            _ => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if host.starts_with('-') || user.is_some_and(|u| u.is_empty() || u.starts_with('-')) {
            return Err(bad("a host or user may not be empty or start with '-'"));
        }
        if host.contains('/') {
            return Err(bad("a host may not contain '/'"));
        }
        let mut remote_program = None;
        for kv in query.into_iter().flat_map(|q| q.split('&')) {
            match kv.split_once('=') {
                Some(("remote-program", v)) if !v.is_empty() => {
                    remote_program = Some(v.replace("%20", " "))
                }
                _ => {
                    return Err(RemoteError::Usage(format!(
                        "unsupported parameter '{kv}' in '{url}' (xnix knows remote-program=PROG)"
                    )))
                }
            }
        }
        Ok(Some(SshUrl {
            destination: match user {
                Some(u) => format!("{u}@{host}"),
                None => host.to_string(),
            },
            port,
            remote_program,
        }))
    }

    /// The URL back as text (for messages).
    pub fn display(&self) -> String {
        match self.port {
            Some(p) => format!("ssh://{}:{p}", self.destination),
            None => format!("ssh://{}", self.destination),
        }
    }
}

/// How long connecting to a host may take before it counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The extra ssh options of the environment: `XNIX_SSHOPTS`, split at white space.
pub fn ssh_opts_from_env() -> Vec<String> {
    split_ssh_opts(&std::env::var("XNIX_SSHOPTS").unwrap_or_default())
}

/// Split `XNIX_SSHOPTS`-style text into ssh arguments at white space.
pub fn split_ssh_opts(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Quote `s` for a POSIX shell (the remote side runs commands through one).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@+,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

static MASTER_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A master SSH connection to one host; commands run as sessions over it.
/// Dropping it closes the master.
#[derive(Debug)]
pub struct SshMaster {
    url: SshUrl,
    opts: Vec<String>,
    socket_dir: PathBuf,
    socket: PathBuf,
    master: Option<Child>,
    sudo: Option<RemoteSudo>,
}

impl SshMaster {
    /// Connect to `url` (authenticating once) with the extra ssh options
    /// `opts`; fails with ssh's message (on stderr) when the host cannot be
    /// reached or refuses us, within `timeout`.
    pub fn connect(url: &SshUrl, opts: &[String], timeout: Duration) -> Result<SshMaster> {
        let socket_dir = std::env::temp_dir().join(format!(
            "xnix-ssh-{}-{}",
            std::process::id(),
            MASTER_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&socket_dir).map_err(|source| RemoteError::Spawn {
            what: format!("creating {}", socket_dir.display()),
            source,
        })?;
        let socket = socket_dir.join("s");
        let mut m = SshMaster {
            url: url.clone(),
            opts: opts.to_vec(),
            socket_dir,
            socket,
            master: None,
            sudo: None,
        };
        let mut cmd = m.base_command();
        cmd.args(["-M", "-N", "-o", "ControlPersist=no"])
            .arg("-o")
            .arg(format!("ConnectTimeout={}", timeout.as_secs().max(1)))
            .arg("--")
            .arg(&url.destination)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let child = cmd.spawn().map_err(|source| RemoteError::Spawn {
            what: "starting ssh (is OpenSSH's client installed?)".into(),
            source,
        })?;
        m.master = Some(child);
        let deadline = Instant::now() + timeout + Duration::from_secs(1);
        loop {
            if m.socket.exists() {
                return Ok(m);
            }
            let child = m.master.as_mut().expect("just set");
            if let Ok(Some(status)) = child.try_wait() {
                m.master = None;
                return Err(RemoteError::Peer {
                    peer: url.display(),
                    message: format!(
                        "cannot connect ({status}; ssh's reason is printed above; extra ssh options go in XNIX_SSHOPTS)"
                    ),
                });
            }
            if Instant::now() > deadline {
                return Err(RemoteError::Peer {
                    peer: url.display(),
                    message: format!("no connection within {} s", timeout.as_secs()),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The URL this master reaches.
    pub fn url(&self) -> &SshUrl {
        &self.url
    }

    /// Run the store's server (and [`SshMaster::root_command`]s) as root
    /// through the host's sudo (a login user other than root).
    pub fn with_sudo(mut self, sudo: Option<RemoteSudo>) -> SshMaster {
        self.sudo = sudo;
        self
    }

    /// Check that sudo lets us become root (with the password, if one was
    /// given), before anything else runs through it: a refusal is a clear
    /// error here instead of a command left waiting for input.
    pub fn check_sudo(&self) -> Result<()> {
        let Some(sudo) = &self.sudo else {
            return Ok(());
        };
        let (mut cmd, preamble) = self.root_command("true");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| RemoteError::Spawn {
                what: format!("running ssh to {}", self.url.display()),
                source,
            })?;
        // Only the password and the marker: a wrong password makes sudo read
        // the end of the input and give up at once.
        let mut stdin = child.stdin.take().expect("piped");
        let _ = std::io::Write::write_all(&mut stdin, &preamble);
        drop(stdin);
        let out = child
            .wait_with_output()
            .map_err(|source| RemoteError::Spawn {
                what: format!("running ssh to {}", self.url.display()),
                source,
            })?;
        if out.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(RemoteError::Peer {
            peer: self.url.display(),
            message: format!(
                "sudo refused to run as root{} ({said})",
                if sudo.has_password() {
                    " with the password given"
                } else {
                    " without a password (--ask-sudo-password asks for one)"
                }
            ),
        })
    }

    /// The sudo in use, if any.
    pub fn sudo(&self) -> Option<&RemoteSudo> {
        self.sudo.as_ref()
    }

    /// A command that runs `remote` as root (through sudo when set), and
    /// what must be written to its input before anything else.
    pub fn root_command(&self, remote: &str) -> (Command, Vec<u8>) {
        match &self.sudo {
            Some(s) => (self.command(&s.wrap(remote)), s.preamble()),
            None => (self.command(remote), Vec::new()),
        }
    }

    fn base_command(&self) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.args(["-x", "-a", "-o", "BatchMode=yes"]);
        cmd.args(&self.opts);
        if let Some(p) = self.url.port {
            cmd.arg("-p").arg(p.to_string());
        }
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// A command that runs the shell command line `remote` on the host over
    /// the master connection (stdio left to the caller).
    pub fn command(&self, remote: &str) -> Command {
        let mut cmd = self.base_command();
        cmd.args(["-o", "ControlMaster=no", "--"])
            .arg(&self.url.destination)
            .arg(remote);
        cmd
    }

    /// A command that runs the shell command line `remote` on the host over
    /// a connection of its own, not this master's: a new TCP connection,
    /// key exchange and authentication (what proves that the host still
    /// lets us in, which a session of the master, authenticated long ago,
    /// does not), given up after `timeout`. ssh's own exit status 255 says
    /// that connecting failed.
    pub fn fresh_command(&self, remote: &str, timeout: Duration) -> Command {
        let mut cmd = Command::new("ssh");
        // Before the caller's options: ssh takes the first value of each, and
        // a ControlPath of theirs must not lead back to a master.
        cmd.args([
            "-x",
            "-a",
            "-o",
            "BatchMode=yes",
            "-o",
            "ControlMaster=no",
            "-o",
            "ControlPath=none",
        ]);
        cmd.args(&self.opts);
        if let Some(p) = self.url.port {
            cmd.arg("-p").arg(p.to_string());
        }
        cmd.arg("-o")
            .arg(format!("ConnectTimeout={}", timeout.as_secs().max(1)))
            .arg("--")
            .arg(&self.url.destination)
            .arg(remote);
        cmd
    }

    /// Run `remote` on the host and return its exit status and stdout.
    pub fn output(&self, remote: &str) -> Result<(std::process::ExitStatus, Vec<u8>)> {
        let out = self
            .command(remote)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|source| RemoteError::Spawn {
                what: format!("running ssh to {}", self.url.display()),
                source,
            })?;
        Ok((out.status, out.stdout))
    }

    /// The serve-protocol server command for the store directory
    /// `store_dir`: the URL's remote program, else `xnix` when the host has
    /// it, else (for `/nix/store` only) Nix's `nix-store`. Without a remote
    /// program the choice is made there, by the same shell that starts the
    /// server, so finding it costs no extra round trip.
    pub fn serve_command(&self, store_dir: &StoreDir) -> Result<String> {
        let sd = shell_quote(store_dir.as_str());
        let xnix = |program: &str| format!("{program} --store-dir {sd} serve --stdio --write");
        let Some(program) = &self.url.remote_program else {
            let nix = if store_dir.as_str() == "/nix/store" {
                "elif command -v nix-store >/dev/null; then exec nix-store --serve --write; "
                    .to_string()
            } else {
                format!(
                    "elif command -v nix-store >/dev/null; then echo {} >&2; exit 1; ",
                    shell_quote(&format!(
                        "error: this machine runs only Nix's nix-store, whose store is /nix/store, but the store here is {} (use --store-dir /nix/store to exchange paths with Nix)",
                        store_dir.as_str()
                    ))
                )
            };
            return Ok(format!(
                "if command -v xnix >/dev/null; then exec {}; {nix}else echo {} >&2; exit 1; fi",
                xnix("xnix"),
                shell_quote("error: neither xnix nor nix-store is on the PATH here (install xnix, or name the program with ?remote-program=PATH)")
            ));
        };
        let is_nix = Path::new(program.split_whitespace().next().unwrap_or(""))
            .file_name()
            .is_some_and(|n| n == "nix-store");
        if is_nix {
            if store_dir.as_str() != "/nix/store" {
                return Err(RemoteError::Peer {
                    peer: self.url.display(),
                    message: format!(
                        "it runs Nix's nix-store, whose store is /nix/store, but this store is {} (use --store-dir /nix/store to exchange paths with Nix)",
                        store_dir.as_str()
                    ),
                });
            }
            Ok(format!("{program} --serve --write"))
        } else {
            Ok(xnix(program))
        }
    }

    /// Start a serve-protocol session with the host's store (as root
    /// through sudo when set).
    pub fn serve_client(&self, store_dir: &StoreDir) -> Result<ServeClient> {
        let remote = self.serve_command(store_dir)?;
        let (command, preamble) = self.root_command(&remote);
        ServeClient::spawn(command, &preamble, store_dir.clone(), &self.url.display())
    }
}

impl Drop for SshMaster {
    fn drop(&mut self) {
        if let Some(mut child) = self.master.take() {
            // SIGTERM ends the master cleanly (it says goodbye to the server
            // and removes its socket) without another ssh process to ask it
            // (`ssh -O exit`); one that lingers is killed.
            if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                // SAFETY: kill(2) on our own child, not yet waited for.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.socket_dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = SshUrl::parse("ssh://root@board:2222?remote-program=/opt/xnix")
            .unwrap()
            .unwrap();
        assert_eq!(u.destination, "root@board");
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.remote_program.as_deref(), Some("/opt/xnix"));
        assert_eq!(u.display(), "ssh://root@board:2222");
        assert_eq!(
            SshUrl::parse("ssh://10.0.0.2")
                .unwrap()
                .unwrap()
                .destination,
            "10.0.0.2"
        );
        assert!(SshUrl::parse("file:///x").unwrap().is_none());
        for bad in [
            "ssh://",
            "ssh://-oProxyCommand=x",
            "ssh://h:port",
            "ssh://h?x=1",
        ] {
            assert!(SshUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/xnix/store"), "/xnix/store");
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(shell_quote(""), "''");
    }
}
