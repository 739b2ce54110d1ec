//! The client side of the serve protocol: one session with a server over a
//! pair of byte streams (a child process's pipes, usually `ssh HOST xnix
//! serve --stdio --write` or `nix-store --serve --write`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::process::{Child, Command, Stdio};

use xnix_formats::serve::{
    self, AddToStoreNar, BasicDerivation, BuildResult, BuildSettings, PathInfo, WireError,
};
use xnix_formats::{Hash, HashAlgo, StoreDir, StorePath};
use xnix_store::ValidPathInfo;

use crate::{RemoteError, Result};

/// One session with a serve-protocol server. Every method sends one command
/// and reads its whole answer, so the session is always between commands
/// when a method returns `Ok`. After an error in the middle of a transfer the
/// session is out of step and refuses further commands.
pub struct ServeClient {
    to: BufWriter<Box<dyn Write + Send>>,
    from: BufReader<Box<dyn Read + Send>>,
    child: Option<Child>,
    version: u64,
    store_dir: StoreDir,
    peer: String,
    good: bool,
}

impl std::fmt::Debug for ServeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeClient")
            .field("peer", &self.peer)
            .field("version", &self.version)
            .finish()
    }
}

impl ServeClient {
    /// Greet a server on `from`/`to`; `peer` names it in errors, paths are
    /// printed and parsed in `store_dir` (both sides must use the same one).
    pub fn new(
        from: Box<dyn Read + Send>,
        to: Box<dyn Write + Send>,
        store_dir: StoreDir,
        peer: impl Into<String>,
    ) -> Result<ServeClient> {
        let mut c = ServeClient {
            to: BufWriter::with_capacity(64 * 1024, to),
            from: BufReader::with_capacity(64 * 1024, from),
            child: None,
            version: 0,
            store_dir,
            peer: peer.into(),
            good: true,
        };
        serve::write_client_hello(&mut c.to).map_err(|e| c.wire(e.into()))?;
        c.version = serve::read_server_hello(&mut c.from).map_err(|e| c.wire(e))?;
        Ok(c)
    }

    /// Start `command` (stdin and stdout piped, stderr inherited so the
    /// server's messages reach the user), write `preamble` to it (what a
    /// sudo in front of the server reads), and greet the server it runs.
    pub fn spawn(
        mut command: Command,
        preamble: &[u8],
        store_dir: StoreDir,
        peer: &str,
    ) -> Result<ServeClient> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().map_err(|source| RemoteError::Spawn {
            what: format!("starting {:?} to reach {peer}", command.get_program()),
            source,
        })?;
        let mut to = child.stdin.take().expect("stdin is piped");
        if !preamble.is_empty() {
            // A server that ended at once is reported below, by the greeting.
            let _ = to.write_all(preamble);
        }
        let from = child.stdout.take().expect("stdout is piped");
        match ServeClient::new(Box::new(from), Box::new(to), store_dir, peer) {
            Ok(mut c) => {
                c.child = Some(child);
                Ok(c)
            }
            Err(e) => {
                let status = child.wait().ok();
                Err(match (e, status) {
                    (
                        RemoteError::Wire {
                            peer,
                            source: WireError::Io(_),
                        },
                        Some(status),
                    ) => RemoteError::Peer {
                        peer,
                        message: format!(
                            "the serve-protocol server ended before greeting ({status}); see its messages above"
                        ),
                    },
                    (e, _) => e,
                })
            }
        }
    }

    /// The server's protocol version.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Who the server is (for messages).
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The store directory paths are exchanged in.
    pub fn store_dir(&self) -> &StoreDir {
        &self.store_dir
    }

    fn wire(&mut self, source: WireError) -> RemoteError {
        self.good = false;
        RemoteError::Wire {
            peer: self.peer.clone(),
            source,
        }
    }

    fn check_good(&self) -> Result<()> {
        if self.good {
            Ok(())
        } else {
            Err(RemoteError::Peer {
                peer: self.peer.clone(),
                message: "the session broke off earlier; start a new one".into(),
            })
        }
    }

    fn parse(&self, full: &str) -> Result<StorePath> {
        self.store_dir.parse(full).map_err(|e| RemoteError::Peer {
            peer: self.peer.clone(),
            message: format!(
                "it sent '{full}', not a path in the store directory {} ({e}); both sides must use the same store directory (--store-dir)",
                self.store_dir.as_str()
            ),
        })
    }

    fn parse_all(&self, list: Vec<String>) -> Result<BTreeSet<StorePath>> {
        list.iter().map(|p| self.parse(p)).collect()
    }

    fn print_all<'a>(&self, paths: impl IntoIterator<Item = &'a StorePath>) -> Vec<String> {
        paths.into_iter().map(|p| self.store_dir.print(p)).collect()
    }

    /// Send a command with `args`, flush, and read the answer with `answer`;
    /// any failure marks the session broken.
    fn call<T>(
        &mut self,
        cmd: serve::Command,
        args: impl FnOnce(&mut BufWriter<Box<dyn Write + Send>>, u64) -> io::Result<()>,
        answer: impl FnOnce(&mut BufReader<Box<dyn Read + Send>>, u64) -> serve::Result<T>,
    ) -> Result<T> {
        self.check_good()?;
        let v = self.version;
        let sent = cmd
            .write(&mut self.to)
            .and_then(|_| args(&mut self.to, v))
            .and_then(|_| self.to.flush());
        if let Err(e) = sent {
            return Err(self.wire(e.into()));
        }
        answer(&mut self.from, v).map_err(|e| self.wire(e))
    }

    /// Which of `paths` are valid on the server. `lock` asks it to keep them
    /// from garbage collection for the session; `substitute` asks it first
    /// to fetch those it lacks from its own binary caches.
    pub fn query_valid_paths(
        &mut self,
        paths: &BTreeSet<StorePath>,
        lock: bool,
        substitute: bool,
    ) -> Result<BTreeSet<StorePath>> {
        let list = self.print_all(paths);
        let got = self.call(
            serve::Command::QueryValidPaths,
            |w, _| {
                serve::write_bool(w, lock)?;
                serve::write_bool(w, substitute)?;
                serve::write_strings(w, &list)
            },
            |r, _| serve::read_strings(r),
        )?;
        self.parse_all(got)
    }

    /// Metadata of those `paths` that are valid on the server.
    pub fn query_path_infos(
        &mut self,
        paths: &BTreeSet<StorePath>,
    ) -> Result<BTreeMap<StorePath, ValidPathInfo>> {
        let list = self.print_all(paths);
        let infos = self.call(
            serve::Command::QueryPathInfos,
            |w, _| serve::write_strings(w, &list),
            |r, v| {
                let mut out = Vec::new();
                while let Some(i) = PathInfo::read(r, v)? {
                    out.push(i);
                }
                Ok(out)
            },
        )?;
        let mut map = BTreeMap::new();
        for i in infos {
            let path = self.parse(&i.path)?;
            let nar_hash = Hash::parse(&i.nar_hash, Some(HashAlgo::Sha256)).map_err(|e| {
                RemoteError::Peer {
                    peer: self.peer.clone(),
                    message: format!("bad NAR hash '{}' for '{}': {e}", i.nar_hash, i.path),
                }
            })?;
            let info = ValidPathInfo {
                path: path.clone(),
                nar_hash,
                nar_size: i.nar_size,
                references: self.parse_all(i.references)?,
                deriver: match i.deriver.as_str() {
                    "" => None,
                    d => Some(self.parse(d)?),
                },
                registration_time: 0,
                ca: (!i.ca.is_empty()).then_some(i.ca),
                sigs: i.sigs,
                ultimate: false,
            };
            map.insert(path, info);
        }
        Ok(map)
    }

    /// The closure of `paths` on the server (with the outputs of derivations
    /// in it when `include_outputs`).
    pub fn query_closure(
        &mut self,
        paths: &BTreeSet<StorePath>,
        include_outputs: bool,
    ) -> Result<BTreeSet<StorePath>> {
        let list = self.print_all(paths);
        let got = self.call(
            serve::Command::QueryClosure,
            |w, _| {
                serve::write_bool(w, include_outputs)?;
                serve::write_strings(w, &list)
            },
            |r, _| serve::read_strings(r),
        )?;
        self.parse_all(got)
    }

    /// Ask for the NAR of `path` and hand the stream, positioned at the NAR,
    /// to `consume`, which must read exactly the NAR (as
    /// `LocalStore::import_nar` does). A `consume` error marks the session
    /// broken, since the stream may be anywhere inside the NAR.
    pub fn dump_path<T, E>(
        &mut self,
        path: &StorePath,
        consume: impl FnOnce(&mut dyn BufRead) -> std::result::Result<T, E>,
    ) -> Result<std::result::Result<T, E>> {
        let full = self.store_dir.print(path);
        self.call(
            serve::Command::DumpStorePath,
            |w, _| serve::write_str(w, &full),
            |_, _| Ok(()),
        )?;
        let res = consume(&mut self.from);
        if res.is_err() {
            self.good = false;
        }
        Ok(res)
    }

    /// Add one path: its metadata `info`, then the NAR that `nar` writes
    /// (exactly `info.nar_size` bytes). The server checks the NAR against
    /// `info` before registering the path.
    pub fn add_to_store_nar<E: std::fmt::Display>(
        &mut self,
        info: &ValidPathInfo,
        nar: impl FnOnce(&mut dyn Write) -> std::result::Result<(), E>,
    ) -> Result<()> {
        self.check_good()?;
        let header = AddToStoreNar {
            path: self.store_dir.print(&info.path),
            deriver: info
                .deriver
                .as_ref()
                .map(|d| self.store_dir.print(d))
                .unwrap_or_default(),
            nar_hash: info.nar_hash.to_base16(),
            references: self.print_all(&info.references),
            registration_time: info.registration_time.max(0) as u64,
            nar_size: info.nar_size,
            ultimate: false,
            sigs: info.sigs.clone(),
            ca: info.ca.clone().unwrap_or_default(),
        };
        let sent = serve::Command::AddToStoreNar
            .write(&mut self.to)
            .and_then(|_| header.write(&mut self.to));
        if let Err(e) = sent {
            return Err(self.wire(e.into()));
        }
        if let Err(e) = nar(&mut self.to) {
            self.good = false;
            return Err(RemoteError::Peer {
                peer: self.peer.clone(),
                message: format!("sending '{}' failed: {e}", header.path),
            });
        }
        if let Err(e) = self.to.flush() {
            return Err(self.wire(e.into()));
        }
        match serve::read_u64(&mut self.from) {
            Ok(1) => Ok(()),
            Ok(n) => {
                self.good = false;
                Err(RemoteError::Peer {
                    peer: self.peer.clone(),
                    message: format!("adding '{}' failed (answer {n})", header.path),
                })
            }
            Err(e) => {
                self.good = false;
                Err(RemoteError::Peer {
                    peer: self.peer.clone(),
                    message: format!(
                        "adding '{}' failed: {e} (the server's reason is printed above)",
                        header.path
                    ),
                })
            }
        }
    }

    /// Build one derivation on the server; its inputs must be there already.
    pub fn build_derivation(
        &mut self,
        drv_path: &StorePath,
        drv: &BasicDerivation,
        settings: &BuildSettings,
    ) -> Result<BuildResult> {
        let full = self.store_dir.print(drv_path);
        self.call(
            serve::Command::BuildDerivation,
            |w, v| {
                serve::write_str(w, &full)?;
                drv.write(w)?;
                settings.write(w, v)
            },
            BuildResult::read,
        )
    }

    /// Build derivations on the server (`drv!out1,out2` entries), whose
    /// inputs it must have; `Ok(None)` on success, the server's message on
    /// failure.
    pub fn build_paths(
        &mut self,
        paths: &[String],
        settings: &BuildSettings,
    ) -> Result<Option<String>> {
        self.call(
            serve::Command::BuildPaths,
            |w, v| {
                serve::write_strings(w, paths)?;
                settings.write(w, v)
            },
            |r, _| match serve::read_u64(r)? {
                0 => Ok(None),
                status => {
                    let msg = serve::read_string(r)?;
                    Ok(Some(format!("{msg} (status {status})")))
                }
            },
        )
    }

    /// End the session: close our side and wait for the server to exit.
    pub fn close(mut self) -> Result<()> {
        let child = self.child.take();
        drop(self); // closes our side
        if let Some(mut child) = child {
            let status = child.wait().map_err(|source| RemoteError::Spawn {
                what: "waiting for the serve-protocol server".into(),
                source,
            })?;
            if !status.success() {
                return Err(RemoteError::Peer {
                    peer: "serve-protocol server".into(),
                    message: format!("it exited with {status}"),
                });
            }
        }
        Ok(())
    }
}

impl Drop for ServeClient {
    fn drop(&mut self) {
        // Closing stdin ends a healthy server; one out of step is killed.
        let _ = self.to.flush();
        let to = std::mem::replace(&mut self.to, BufWriter::new(Box::new(io::sink())));
        drop(to);
        if let Some(child) = self.child.as_mut() {
            if !self.good {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}
