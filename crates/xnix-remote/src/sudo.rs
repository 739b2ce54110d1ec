//! Running commands as root on another machine through its `sudo`, for a
//! login user other than root (`xnix rebuild --use-remote-sudo`).
//!
//! Without a password, sudo runs with `-n`, so a host that wants one fails
//! at once with sudo's message instead of waiting for a terminal that is not
//! there. With a password (asked once here, [`ask_password`]), every command
//! gets it on its standard input ahead of its own input: sudo reads it with
//! `-S`, and a marker line after it lets the command skip it when sudo did
//! not ask (a cached or NOPASSWD entry), so the password never reaches the
//! command's input.

use std::io::{self, BufRead, Write};

use crate::ssh::shell_quote;

/// The line that ends what sudo may read on a command's input.
const MARKER: &str = "xnix-sudo-input-follows";

/// How to become root on the other machine.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RemoteSudo {
    password: Option<String>,
}

impl std::fmt::Debug for RemoteSudo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSudo")
            .field("password", &self.password.as_ref().map(|_| "(given)"))
            .finish()
    }
}

impl RemoteSudo {
    /// sudo without a password (the host allows it: NOPASSWD, or root).
    pub fn without_password() -> RemoteSudo {
        RemoteSudo { password: None }
    }

    /// sudo with `password`, passed to `sudo -S` on every command.
    pub fn with_password(password: String) -> RemoteSudo {
        RemoteSudo {
            password: Some(password),
        }
    }

    /// Whether a password is given.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The shell command line that runs `remote` (a shell command line)
    /// as root.
    pub fn wrap(&self, remote: &str) -> String {
        match self.password {
            None => format!("sudo -n -- sh -c {}", shell_quote(remote)),
            Some(_) => {
                // Skip what sudo left: the password line when it did not
                // ask for it, then the marker.
                let script = format!(
                    "IFS= read -r l; [ \"$l\" = {MARKER} ] || IFS= read -r l; exec sh -c {}",
                    shell_quote(remote)
                );
                format!("sudo -S -p '' -- sh -c {}", shell_quote(&script))
            }
        }
    }

    /// What must be written to the command's input before its own input.
    pub fn preamble(&self) -> Vec<u8> {
        match &self.password {
            None => Vec::new(),
            Some(p) => format!("{p}\n{MARKER}\n").into_bytes(),
        }
    }
}

/// Ask for a password once: on a terminal, with `prompt` on stderr and
/// without echoing what is typed; otherwise (a script, a pipe) the first
/// line of standard input, without a prompt.
pub fn ask_password(prompt: &str) -> io::Result<String> {
    let stdin = io::stdin();
    // SAFETY: isatty only inspects the descriptor.
    let terminal = unsafe { libc::isatty(0) } == 1;
    let mut line = String::new();
    if terminal {
        eprint!("{prompt}");
        io::stderr().flush()?;
        // The terminal still echoes the newline (ECHONL).
        let _echo_off = EchoOff::new(0);
        stdin.lock().read_line(&mut line)?;
    } else {
        stdin.lock().read_line(&mut line)?;
    }
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() && line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "no password given (standard input ended)",
        ));
    }
    Ok(password)
}

/// Turns a terminal's echo off until dropped.
struct EchoOff {
    fd: i32,
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new(fd: i32) -> EchoOff {
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
            return EchoOff { fd, saved: None };
        }
        let saved = t;
        t.c_lflag &= !libc::ECHO;
        t.c_lflag |= libc::ECHONL;
        // SAFETY: t came from tcgetattr on the same descriptor.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
        EchoOff {
            fd,
            saved: Some(saved),
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // SAFETY: restores what tcgetattr returned.
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, saved) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// The wrapped command, run with a stand-in for sudo that reads (or
    /// does not read) the password line, sees exactly its own input.
    #[test]
    fn the_password_never_reaches_the_command() {
        let dir = tempfile::tempdir().unwrap();
        for reads_password in [true, false] {
            let fake = dir.path().join("sudo");
            // A stand-in sudo: drop the options, maybe read the password.
            let body = if reads_password {
                "IFS= read -r pw; echo \"$pw\" > \"$(dirname \"$0\")/seen\"; "
            } else {
                ""
            };
            std::fs::write(
                &fake,
                format!(
                    "#!/bin/sh\n{body}while [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n"
                ),
            )
            .unwrap();
            Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
            let sudo = RemoteSudo::with_password("pass word".into());
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(sudo.wrap("cat; echo done"))
                .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut input = child.stdin.take().unwrap();
            input.write_all(&sudo.preamble()).unwrap();
            input.write_all(b"line one\nline two\n").unwrap();
            drop(input);
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "line one\nline two\ndone\n",
                "sudo reads the password: {reads_password}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("seen")).unwrap(),
            "pass word\n"
        );
    }

    #[test]
    fn without_a_password_sudo_never_waits() {
        let s = RemoteSudo::without_password();
        assert!(s.wrap("true").starts_with("sudo -n -- "));
        assert!(s.preamble().is_empty());
    }
}
