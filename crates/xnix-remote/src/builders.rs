//! Remote builders (`--builders`, machines files), as Nix's: a derivation
//! goes to a machine that declares its system and features; its inputs are
//! copied there, it is built through the serve protocol's build command, and
//! its outputs are copied back (checked on arrival). A builder that cannot
//! be reached is skipped for a while and tried again later; each builder's
//! SSH connection is made once and reused.
//!
//! The build command is the serve protocol's BuildDerivation (as Nix's
//! remote builds use): the derivation travels whole, without its `.drv`
//! closure; the builder needs only its sources and inputs' outputs.
//!
//! The machine list is Nix's format: entries separated by newlines or `;`,
//! each `URI SYSTEMS SSH-KEY MAX-JOBS SPEED SUPPORTED-FEATURES
//! MANDATORY-FEATURES HOST-KEY` (white space between fields, `-` for a
//! default, lists comma-separated, only the URI required); `@FILE` reads
//! a machines file.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use xnix_build::builder::RemoteBuilders;
use xnix_formats::serve::{build_status, BasicDerivation, BuildSettings, WireOutput};
use xnix_formats::{Derivation, StorePath};
use xnix_store::{LocalStore, LocalStoreConfig};

use crate::copy::{copy_from, copy_to};
use crate::ssh::{SshMaster, SshUrl};
use crate::{RemoteError, Result};

/// How long connecting to a builder may take before it is skipped.
pub const BUILDER_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an unreachable builder is left alone before it is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

/// One line of a machines list.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildMachine {
    /// Where it is.
    pub url: SshUrl,
    /// Systems it builds for.
    pub systems: Vec<String>,
    /// An SSH private key to log in with.
    pub ssh_key: Option<String>,
    /// Builds at once.
    pub max_jobs: usize,
    /// Relative speed (higher is preferred).
    pub speed: f64,
    /// Features it offers.
    pub supported_features: Vec<String>,
    /// Features a derivation must ask for to be built there.
    pub mandatory_features: Vec<String>,
}

impl BuildMachine {
    /// Whether it builds a derivation for `platform` needing `features`.
    pub fn accepts(&self, platform: &str, features: &[&str]) -> bool {
        self.systems.iter().any(|s| s == platform)
            && features.iter().all(|f| {
                self.supported_features.iter().any(|s| s == f)
                    || self.mandatory_features.iter().any(|s| s == f)
            })
            && self
                .mandatory_features
                .iter()
                .all(|m| features.contains(&m.as_str()))
    }
}

/// Parse a machines list (`--builders`); `@FILE` entries are read from
/// files. `default_system` is the system of entries that name none.
pub fn parse_machines(text: &str, default_system: &str) -> Result<Vec<BuildMachine>> {
    let mut out = Vec::new();
    for entry in text.split(['\n', ';']) {
        let entry = entry.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        if let Some(file) = entry.strip_prefix('@') {
            let content = std::fs::read_to_string(file).map_err(|e| {
                RemoteError::Usage(format!("cannot read the machines file '{file}': {e}"))
            })?;
            out.extend(parse_machines(&content, default_system)?);
            continue;
        }
        let f: Vec<&str> = entry.split_whitespace().collect();
        let field = |i: usize| f.get(i).copied().filter(|v| *v != "-");
        let list = |i: usize| -> Vec<String> {
            field(i)
                .map(|v| {
                    v.split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let bad = |what: &str| RemoteError::Usage(format!("in the builder '{entry}': {what}"));
        let uri = f[0];
        let url = if uri.contains("://") {
            uri.to_string()
        } else {
            format!("ssh://{uri}")
        };
        let url = SshUrl::parse(&url)?.ok_or_else(|| bad("only ssh:// builders are supported"))?;
        let mut systems = list(1);
        if systems.is_empty() {
            systems.push(default_system.to_string());
        }
        out.push(BuildMachine {
            url,
            systems,
            ssh_key: field(2).map(String::from),
            max_jobs: match field(3) {
                Some(n) => n.parse().map_err(|_| bad("MAX-JOBS is not a number"))?,
                None => 1,
            },
            speed: match field(4) {
                Some(n) => n.parse().map_err(|_| bad("SPEED is not a number"))?,
                None => 1.0,
            },
            supported_features: list(5),
            mandatory_features: list(6),
        });
    }
    Ok(out)
}

#[derive(Default)]
struct MachineState {
    master: Option<Arc<SshMaster>>,
    running: usize,
    down_until: Option<Instant>,
}

/// The builders, as the scheduler uses them.
pub struct Builders {
    machines: Vec<BuildMachine>,
    state: Vec<Mutex<MachineState>>,
    store_config: LocalStoreConfig,
    ssh_opts: Vec<String>,
}

impl std::fmt::Debug for Builders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builders")
            .field("machines", &self.machines)
            .finish()
    }
}

impl Builders {
    /// Builders for the store `store_config` describes (opened again for
    /// each build, so builds on several machines run at once).
    pub fn new(
        machines: Vec<BuildMachine>,
        store_config: LocalStoreConfig,
        ssh_opts: Vec<String>,
    ) -> Builders {
        Builders {
            state: machines.iter().map(|_| Mutex::default()).collect(),
            machines,
            store_config,
            ssh_opts,
        }
    }

    /// Take a slot on the best machine for the derivation that is up:
    /// the least busy relative to its speed among those with a free slot.
    fn pick(&self, platform: &str, features: &[&str], tried: &BTreeSet<usize>) -> Option<usize> {
        let now = Instant::now();
        let mut best: Option<(usize, f64)> = None;
        for (i, m) in self.machines.iter().enumerate() {
            if tried.contains(&i) || !m.accepts(platform, features) {
                continue;
            }
            let st = self.state[i].lock().unwrap();
            if st.down_until.is_some_and(|t| t > now) || st.running >= m.max_jobs.max(1) {
                continue;
            }
            let load = (st.running as f64 + 1.0) / m.speed.max(0.01);
            if best.is_none_or(|(_, l)| load < l) {
                best = Some((i, load));
            }
        }
        let (i, _) = best?;
        self.state[i].lock().unwrap().running += 1;
        Some(i)
    }

    fn master(&self, i: usize) -> Result<Arc<SshMaster>> {
        let mut st = self.state[i].lock().unwrap();
        if let Some(m) = &st.master {
            return Ok(m.clone());
        }
        let mut opts = self.ssh_opts.clone();
        if let Some(k) = &self.machines[i].ssh_key {
            opts.extend(["-i".to_string(), k.clone()]);
        }
        match SshMaster::connect(&self.machines[i].url, &opts, BUILDER_CONNECT_TIMEOUT) {
            Ok(m) => {
                let m = Arc::new(m);
                st.master = Some(m.clone());
                st.down_until = None;
                Ok(m)
            }
            Err(e) => {
                st.down_until = Some(Instant::now() + RETRY_AFTER);
                Err(e)
            }
        }
    }

    fn build_on(&self, i: usize, drv_path: &StorePath) -> Result<()> {
        let store = LocalStore::open(self.store_config.clone())?;
        let master = self.master(i)?;
        let mut client = match master.serve_client(store.store_dir()) {
            Ok(c) => c,
            Err(e) => {
                // A connection that no longer works is made anew next time.
                self.state[i].lock().unwrap().master = None;
                return Err(e);
            }
        };
        // Its sources and the outputs of its inputs (with their closures);
        // the derivation itself goes whole with the build command, as Nix's
        // remote builds send it, so its `.drv` closure stays here.
        let drv = store.read_derivation(drv_path)?;
        let basic = basic_derivation(&store, &drv)?;
        let send: BTreeSet<StorePath> = basic
            .input_srcs
            .iter()
            .map(|p| store.parse_path(p))
            .collect::<std::result::Result<_, _>>()?;
        copy_to(&store, &mut client, &send, &Default::default(), &mut |_| {})?;
        let result = client.build_derivation(drv_path, &basic, &BuildSettings::default())?;
        if !build_status::is_success(result.status) {
            return Err(RemoteError::Peer {
                peer: master.url().display(),
                message: format!(
                    "building '{}' failed: {} (status {})",
                    store.print_path(drv_path),
                    result.error_msg.trim(),
                    result.status
                ),
            });
        }
        let out_paths: BTreeSet<StorePath> = store
            .query_derivation_outputs(drv_path)?
            .into_values()
            .collect();
        copy_from(&store, &mut client, &out_paths, &mut |_| {})?;
        client.close()?;
        Ok(())
    }
}

/// `drv` as the serve protocol's build command sends it: the outputs of its
/// input derivations (those it uses) join its sources.
pub fn basic_derivation(store: &LocalStore, drv: &Derivation) -> Result<BasicDerivation> {
    let mut inputs: BTreeSet<StorePath> = drv.input_srcs.clone();
    for (input, wanted) in &drv.input_drvs {
        for (name, out) in store.query_derivation_outputs(input)? {
            if wanted.contains(&name) {
                inputs.insert(out);
            }
        }
    }
    Ok(BasicDerivation {
        outputs: drv
            .outputs
            .iter()
            .map(|(name, o)| WireOutput {
                name: name.clone(),
                path: o
                    .path
                    .as_ref()
                    .map(|p| store.print_path(p))
                    .unwrap_or_default(),
                hash_algo: o
                    .fixed
                    .as_ref()
                    .map(|f| f.method_algo())
                    .unwrap_or_default(),
                hash: o
                    .fixed
                    .as_ref()
                    .map(|f| f.hash.to_base16())
                    .unwrap_or_default(),
            })
            .collect(),
        input_srcs: inputs.iter().map(|p| store.print_path(p)).collect(),
        platform: drv.platform.clone(),
        builder: drv.builder.clone(),
        args: drv.args.clone(),
        env: drv
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

impl RemoteBuilders for Builders {
    fn accepts(&self, platform: &str, features: &[&str]) -> bool {
        self.machines.iter().any(|m| m.accepts(platform, features))
    }

    fn build(
        &self,
        drv_path: &StorePath,
        platform: &str,
        features: &[&str],
        log: &mut dyn FnMut(&str),
    ) -> std::result::Result<(), String> {
        let mut tried = BTreeSet::new();
        let mut errors = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(3600);
        loop {
            let Some(i) = self.pick(platform, features, &tried) else {
                // Every fitting machine is busy, down or tried.
                let fitting: Vec<usize> = (0..self.machines.len())
                    .filter(|i| self.machines[*i].accepts(platform, features) && !tried.contains(i))
                    .collect();
                let any_up = fitting.iter().any(|i| {
                    self.state[*i]
                        .lock()
                        .unwrap()
                        .down_until
                        .is_none_or(|t| t <= Instant::now())
                });
                if any_up && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                return Err(if errors.is_empty() {
                    format!("no builder for '{platform}' is reachable now")
                } else {
                    errors.join("; ")
                });
            };
            let name = self.machines[i].url.display();
            log(&format!("building on {name}"));
            let result = self.build_on(i, drv_path);
            self.state[i].lock().unwrap().running -= 1;
            match result {
                Ok(()) => return Ok(()),
                Err(e @ RemoteError::Peer { .. }) if e.to_string().contains("cannot connect") => {
                    log(&format!("skipping {name} for now: {e}"));
                    errors.push(e.to_string());
                    tried.insert(i);
                }
                Err(e) => return Err(format!("on {name}: {e}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_lists_as_nix_writes_them() {
        let m = parse_machines(
            "ssh://root@b1 x86_64-linux,i686-linux /k 4 2 big-parallel,kvm - -; b2\n# a comment\nssh://b3 riscv64-linux - - - - benchmark",
            "x86_64-linux",
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].url.destination, "root@b1");
        assert_eq!(m[0].systems, ["x86_64-linux", "i686-linux"]);
        assert_eq!(m[0].ssh_key.as_deref(), Some("/k"));
        assert_eq!((m[0].max_jobs, m[0].speed), (4, 2.0));
        assert!(m[0].accepts("i686-linux", &["kvm"]));
        assert!(!m[0].accepts("i686-linux", &["benchmark"]));
        assert_eq!(m[1].systems, ["x86_64-linux"]);
        assert!(m[2].accepts("riscv64-linux", &["benchmark"]));
        assert!(!m[2].accepts("riscv64-linux", &[]), "mandatory features");
        assert!(parse_machines("b1 x86_64-linux - many", "x").is_err());
        assert!(parse_machines("http://b1", "x").is_err());
    }
}
