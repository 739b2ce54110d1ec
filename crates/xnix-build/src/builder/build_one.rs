//! Building one derivation: checks, locks, the input closure, then the
//! sandboxed builder or a builtin builder.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use xnix_formats::{Derivation, FullStorePath, StorePath};
use xnix_fs::ops::{self, io_err};
use xnix_platform::Machine;

use super::plan::{output_paths, store_err};
use super::{
    build_log_path, read_derivation, BuildError, BuildEvent, BuildOptions, BuildProgress,
    BuildStore,
};
use crate::binfmt::{Emulation, RUN_SYSTEMS_ATTR};
use crate::fetch::{fetch_url, FetchError};
use crate::sandbox::{run_build, BuildJob, SandboxConfig, SandboxError};

pub(super) struct BuildContext<'a, S: BuildStore + ?Sized> {
    pub(super) store: &'a S,
    pub(super) options: &'a BuildOptions,
    pub(super) progress: &'a dyn BuildProgress,
    pub(super) drvs: &'a BTreeMap<StorePath, Derivation>,
    pub(super) machine: Option<Machine>,
    /// The emulator source's answer, asked once.
    pub(super) emulator_dirs: std::sync::OnceLock<Result<Vec<PathBuf>, String>>,
}

impl<S: BuildStore + ?Sized> BuildContext<'_, S> {
    /// Builds one derivation; the flag says whether it was built here
    /// (false when another process built it while we waited for the locks).
    pub(super) fn build_one(
        &self,
        drv_path: &StorePath,
    ) -> Result<(BTreeMap<String, StorePath>, bool), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let shown = sd.full(drv_path);
        let drv = &self.drvs[drv_path];
        // Every build that reports Finished or Failed reported Started first.
        self.progress
            .on_event(&BuildEvent::Started { drv: drv_path });
        let outputs = output_paths(sd, drv_path, drv)?;
        let serr = || store_err(sd, drv_path);

        let builtin = drv.builder.starts_with("builtin:");
        let runs_here = self.runs_here(drv);
        // Built-in builders (fetching) always run here.
        let builds_here =
            builtin && drv.platform == "builtin" || runs_here && self.options.build_locally;
        if let Some(remote) = self
            .options
            .remote_builders
            .as_ref()
            .filter(|_| !builds_here)
        {
            let features: Vec<&str> = drv
                .env
                .get("requiredSystemFeatures")
                .map(|v| v.split_whitespace().collect())
                .unwrap_or_default();
            if remote.accepts(&drv.platform, &features) {
                let mut log = |line: &str| {
                    self.progress.on_event(&BuildEvent::LogLine {
                        drv: drv_path,
                        line,
                    })
                };
                remote
                    .build(drv_path, &drv.platform, &features, &mut log)
                    .map_err(|why| BuildError::Unsupported {
                        drv: shown.clone(),
                        what: format!("building it remotely failed: {why}"),
                    })?;
                return Ok((outputs, true));
            }
        }
        if !builds_here && runs_here {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: format!(
                    "local builds are off (-j 0) and no builder takes '{}' derivations",
                    drv.platform
                ),
            });
        }
        if !builds_here {
            // Neither native nor remote: emulated here, or an error naming
            // what was tried.
            self.check_system(&shown, drv)?;
        }

        let missing: Vec<&str> = drv
            .env
            .get("requiredSystemFeatures")
            .map(|v| v.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| !self.options.system_features.contains(*f))
            .collect();
        if !missing.is_empty() {
            return Err(BuildError::MissingSystemFeatures {
                drv: shown,
                missing: missing.join(", "),
                available: self
                    .options
                    .system_features
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }

        if drv.env.get("__structuredAttrs").is_some_and(|v| v == "1") {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: "structured attributes (__structuredAttrs) are not supported yet".to_string(),
            });
        }

        let state_dir = store.state_dir();
        let output_set: BTreeSet<StorePath> = outputs.values().cloned().collect();
        let _locks = store.lock_paths(&output_set).map_err(serr())?;
        // Another process may have built them while we waited for the
        // locks; and of a partly valid derivation only the missing outputs
        // are replaced (the valid ones stay untouched).
        let mut already = BTreeSet::new();
        for p in outputs.values() {
            store.add_temp_root(p).map_err(serr())?;
            if store.is_valid_path(p).map_err(serr())? {
                already.insert(p.clone());
            }
        }
        // Checking rebuilds a derivation whose outputs are all valid, in a
        // sandbox (a builtin's outputs are the downloads they were checked
        // against already).
        if already.len() == outputs.len() && (!self.options.check || builtin) {
            return Ok((outputs, false));
        }

        // The input closure: sources and the used outputs of input derivations.
        let mut roots: BTreeSet<StorePath> = drv.input_srcs.clone();
        for (input, names) in &drv.input_drvs {
            let idrv = self
                .drvs
                .get(input)
                .ok_or_else(|| BuildError::ReadDerivation {
                    drv: sd.full(input),
                    reason: "input derivation was not loaded".to_string(),
                })?;
            let iouts = output_paths(sd, input, idrv)?;
            for name in names {
                let p = iouts.get(name).ok_or_else(|| BuildError::ReadDerivation {
                    drv: shown.clone(),
                    reason: format!("input '{}' has no output '{name}'", sd.print(input)),
                })?;
                roots.insert(p.clone());
            }
        }
        let mut closure = BTreeSet::new();
        let mut stack: Vec<StorePath> = roots.into_iter().collect();
        while let Some(p) = stack.pop() {
            if closure.contains(&p) {
                continue;
            }
            store.add_temp_root(&p).map_err(serr())?;
            if !store.is_valid_path(&p).map_err(serr())? {
                return Err(BuildError::MissingInput {
                    drv: shown,
                    path: sd.full(&p),
                });
            }
            stack.extend(store.query_references(&p).map_err(serr())?);
            closure.insert(p);
        }

        // Leftovers of an interrupted earlier build are in the way.
        for p in outputs.values().filter(|p| !already.contains(*p)) {
            let rp = store.real_path(p);
            if fs::symlink_metadata(&rp).is_ok() {
                ops::remove_tree(&rp)?;
            }
        }

        let log_path = build_log_path(state_dir, drv_path);
        if let Some(parent) = log_path.parent() {
            fs::create_dir_all(parent).map_err(io_err("creating directory", parent))?;
        }
        let _ = fs::remove_file(&log_path);

        let result = if drv.builder == "builtin:unpack-debs" {
            self.run_unpack_debs(drv_path, drv, &outputs, &closure, &log_path)
        } else if builtin {
            self.run_builtin(drv_path, drv, &outputs, &log_path)
        } else {
            self.run_sandboxed(drv_path, drv, &outputs, &already, &closure, &log_path)
        }
        .and_then(|()| self.register(drv_path, drv, &outputs, &already, &closure));
        if result.is_err() {
            for p in outputs.values().filter(|p| !already.contains(*p)) {
                let _ = ops::remove_tree(&store.real_path(p));
            }
        }
        result.map(|()| (outputs, true))
    }

    /// Whether this machine runs the derivation's builder natively: its
    /// system is the configured one or an extra platform, or the machine
    /// executes that system's programs itself (i686 on x86_64).
    fn runs_here(&self, drv: &Derivation) -> bool {
        drv.platform == self.options.system
            || self.options.extra_platforms.contains(&drv.platform)
            || self
                .machine
                .as_ref()
                .is_some_and(|m| m.runs_natively(&drv.platform))
    }

    /// Whether this machine can build the derivation itself: natively, as
    /// a builtin, or emulated (then the emulator was found); the error says
    /// what was tried.
    pub(super) fn check_system(
        &self,
        shown: &FullStorePath,
        drv: &Derivation,
    ) -> Result<(), BuildError> {
        let builtin = drv.builder.starts_with("builtin:");
        let runs_here = self.runs_here(drv);
        if drv.env.contains_key(RUN_SYSTEMS_ATTR) {
            self.emulations(shown, drv)?;
        }
        if runs_here || builtin && drv.platform == "builtin" {
            return Ok(());
        }
        let machine = match &self.machine {
            Some(machine) if !builtin => machine,
            _ => {
                return Err(BuildError::WrongPlatform {
                    drv: shown.clone(),
                    platform: drv.platform.clone(),
                    systems: std::iter::once(&self.options.system)
                        .chain(&self.options.extra_platforms)
                        .map(|s| format!("'{s}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        // Another architecture this machine can emulate: the sandbox runs
        // the build under qemu.
        self.emulation_for(&drv.platform, machine)
            .map_err(|source| BuildError::Emulation {
                drv: shown.clone(),
                source: Box::new(source),
            })?;
        if let Some(allowed) = self
            .options
            .emulated_platforms
            .as_ref()
            .filter(|a| !a.contains(&drv.platform))
        {
            return Err(BuildError::Unsupported {
                drv: shown.clone(),
                what: format!(
                    "'{}' is emulated here, but the extra-platforms setting leaves it out \
                     (it names: {}); add it (`--option extra-platforms '{}'`) or build it on a \
                     '{}' machine (--builders)",
                    drv.platform,
                    if allowed.is_empty() {
                        "nothing".to_string()
                    } else {
                        allowed.join(" ")
                    },
                    drv.platform,
                    drv.platform
                ),
            });
        }
        if self.options.build_locally {
            Ok(())
        } else {
            Err(BuildError::Unsupported {
                drv: shown.clone(),
                what: format!(
                    "local builds are off (-j 0) and no builder takes '{}' derivations",
                    drv.platform
                ),
            })
        }
    }

    /// How `machine` emulates `system`: the static qemu searched in the
    /// emulator source's directories (asked once), then the machine's.
    fn emulation_for(
        &self,
        system: &str,
        machine: &Machine,
    ) -> Result<Emulation, crate::binfmt::EmulationError> {
        // The source (which may download) is asked only for a system some
        // static qemu would emulate.
        match Emulation::for_system_in(system, machine, &[] as &[PathBuf]) {
            Err(crate::binfmt::EmulationError::NoStaticQemu { .. }) => {}
            other => return other,
        }
        let from_source = self
            .emulator_dirs
            .get_or_init(|| match &self.options.emulators {
                Some(source) => source.static_qemu_dirs(),
                None => Ok(Vec::new()),
            });
        let mut dirs: Vec<PathBuf> = from_source.clone().unwrap_or_default();
        dirs.extend(crate::binfmt::STATIC_QEMU_DIRS.iter().map(PathBuf::from));
        Emulation::for_system_in(system, machine, &dirs).map_err(|e| match (e, from_source) {
            (
                crate::binfmt::EmulationError::NoStaticQemu {
                    system,
                    program,
                    tried,
                },
                Err(why),
            ) => crate::binfmt::EmulationError::NoStaticQemu {
                system,
                program,
                tried: format!("{tried}; the lock's qemu-user-static: {why}"),
            },
            (e, _) => e,
        })
    }

    /// The emulators a build registers: its own system's when it is
    /// emulated, and those of the systems it opts in to run
    /// (`__xnixEmulate`), or why one of those cannot be emulated.
    fn emulations(
        &self,
        shown: &FullStorePath,
        drv: &Derivation,
    ) -> Result<Vec<Emulation>, BuildError> {
        let mut found: Vec<Emulation> = self.emulated(drv).into_iter().collect();
        let Some(machine) = self.machine.as_ref() else {
            return Ok(found);
        };
        let wanted = drv.env.get(RUN_SYSTEMS_ATTR).map(|v| v.split_whitespace());
        for system in wanted.into_iter().flatten() {
            if machine.runs_natively(system) || found.iter().any(|e| e.system() == system) {
                continue;
            }
            let emulation =
                self.emulation_for(system, machine)
                    .map_err(|source| BuildError::Emulation {
                        drv: shown.clone(),
                        source: Box::new(source),
                    })?;
            found.push(emulation);
        }
        Ok(found)
    }

    /// How the derivation's builder is emulated, when this machine does
    /// not run its system natively but can emulate it.
    fn emulated(&self, drv: &Derivation) -> Option<Emulation> {
        let machine = self.machine.as_ref()?;
        if drv.builder.starts_with("builtin:")
            || drv.platform == self.options.system
            || self.options.extra_platforms.contains(&drv.platform)
            || machine.runs_natively(&drv.platform)
            || self
                .options
                .emulated_platforms
                .as_ref()
                .is_some_and(|a| !a.contains(&drv.platform))
        {
            return None;
        }
        self.emulation_for(&drv.platform, machine).ok()
    }

    fn run_sandboxed(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        already: &BTreeSet<StorePath>,
        closure: &BTreeSet<StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let store = self.store;
        let sd = store.store_dir();
        let real = store.real_store_dir();
        let mut config = SandboxConfig::new(sd.as_str(), real);
        config.sandbox_paths = self.options.sandbox_paths.clone();
        config.allowed_impure_host_deps = self.options.allowed_impure_host_deps.clone();
        // xnixpkgs' contract: derivations that run the build machine's own
        // tools list the host directories they need (e.g. /usr, /bin, /lib,
        // /lib64); the sandbox shares them read-only when the machine's
        // allowed-impure-host-deps admits them, and refuses the build if not.
        if let Some(deps) = drv.env.get("__impureHostDeps") {
            for dep in deps.split_whitespace() {
                if !dep.starts_with('/') {
                    return Err(BuildError::Unsupported {
                        drv: sd.full(drv_path),
                        what: format!("__impureHostDeps entry '{dep}' is not an absolute path"),
                    });
                }
                config.impure_host_deps.push(PathBuf::from(dep));
            }
        }
        config.build_cores = self.options.cores;
        config.timeout = self.options.timeout;
        config.max_silent_time = self.options.max_silent_time;
        config.scratch_parent = store.state_dir().join("builds");
        config.log_tail_lines = self.options.log_tail_lines;
        config.emulation = self.emulations(&sd.full(drv_path), drv)?;
        let job = BuildJob {
            name: sd.print(drv_path),
            builder: drv.builder.clone(),
            args: drv.args.clone(),
            env: drv.env.clone(),
            outputs: outputs
                .iter()
                .map(|(n, p)| (n.clone(), PathBuf::from(sd.print(p))))
                .collect(),
            input_paths: closure.iter().map(|p| PathBuf::from(sd.print(p))).collect(),
            fixed_output: drv.is_fixed_output(),
            extra_files: self.export_references_graph(drv_path, drv, closure)?,
        };
        let progress = self.progress;
        let produced = run_build(
            &config,
            &job,
            log_path,
            self.options.keep_failed,
            &mut |line| {
                progress.on_event(&BuildEvent::LogLine {
                    drv: drv_path,
                    line,
                })
            },
        )
        .map_err(|e| opt_in_hint(e, drv))
        .map_err(|e| BuildError::Builder {
            drv: drv_path.clone(),
            log_path: log_path.to_path_buf(),
            status: match &e {
                SandboxError::BuilderFailed { status, .. } => Some(*status),
                _ => None,
            },
            source: Box::new(e),
        })?;
        for (name, from) in &produced.outputs {
            if already.contains(&outputs[name]) {
                if self.options.check {
                    self.compare_with_valid(drv_path, &outputs[name], from)?;
                }
                // The valid copy stays; this one goes with the scratch dir.
                continue;
            }
            let to = store.real_path(&outputs[name]);
            ops::move_tree(from, &to)?;
        }
        Ok(())
    }

    /// Checking: whether the rebuilt output at `rebuilt` has the NAR of
    /// the valid `output`; a differing one is kept as `<output>.check` with
    /// `keep_failed`.
    fn compare_with_valid(
        &self,
        drv_path: &StorePath,
        output: &StorePath,
        rebuilt: &Path,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let valid_path = self.store.real_path(output);
        let hash_of = |p: &Path| {
            xnix_fs::nar::nar_hash(p)
                .map(|(h, _)| h.to_string())
                .map_err(|e| BuildError::FinishOutput {
                    drv: sd.full(drv_path),
                    output: sd.full(output),
                    source: Box::new(e.into()),
                })
        };
        let valid = hash_of(&valid_path)?;
        let now = hash_of(rebuilt)?;
        if valid == now {
            return Ok(());
        }
        let mut kept = String::new();
        if self.options.keep_failed {
            let mut check = valid_path.clone().into_os_string();
            check.push(".check");
            let check = PathBuf::from(check);
            let _ = ops::remove_tree(&check);
            ops::move_tree(rebuilt, &check)?;
            kept = format!("; the rebuilt output is kept at {}", check.display());
        }
        Err(BuildError::NotDeterministic {
            drv: sd.full(drv_path),
            output: sd.full(output),
            valid,
            rebuilt: now,
            kept,
        })
    }

    /// `builtin:unpack-debs` (see [`crate::unpack_debs`]).
    fn run_unpack_debs(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        closure: &BTreeSet<StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let unsupported = |what: String| BuildError::Unsupported {
            drv: sd.full(drv_path),
            what,
        };
        let out = match (outputs.get("out"), outputs.len()) {
            (Some(o), 1) => o,
            _ => {
                return Err(unsupported(
                    "builtin:unpack-debs needs exactly one output 'out'".to_string(),
                ))
            }
        };
        let mut debs = Vec::new();
        for p in drv
            .env
            .get("debs")
            .map(String::as_str)
            .unwrap_or("")
            .split_whitespace()
        {
            let path = sd.parse(p).map_err(|_| {
                unsupported(format!(
                    "builtin:unpack-debs: '{p}' in 'debs' is not a store path"
                ))
            })?;
            if !closure.contains(&path) {
                return Err(unsupported(format!(
                    "builtin:unpack-debs: '{p}' is not an input of the derivation"
                )));
            }
            debs.push(self.store.real_path(&path));
        }
        let deb_refs: Vec<&Path> = debs.iter().map(PathBuf::as_path).collect();
        let keep_first: Vec<&str> = drv
            .env
            .get("keepFirst")
            .map(|k| k.split_whitespace().collect())
            .unwrap_or_default();
        let mut log = fs::File::create(log_path).map_err(io_err("creating", log_path))?;
        match crate::unpack_debs::unpack_debs(&deb_refs, &keep_first, &self.store.real_path(out)) {
            Ok(lines) => {
                for line in lines {
                    let _ = writeln!(log, "{line}");
                    self.progress.on_event(&BuildEvent::LogLine {
                        drv: drv_path,
                        line: &line,
                    });
                }
                Ok(())
            }
            Err(message) => {
                let _ = writeln!(log, "{message}");
                Err(unsupported(message))
            }
        }
    }

    fn run_builtin(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        outputs: &BTreeMap<String, StorePath>,
        log_path: &Path,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let shown = sd.full(drv_path);
        if drv.builder != "builtin:fetchurl" {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: format!(
                    "unknown builtin builder '{}' (builtin:fetchurl and builtin:unpack-debs exist)",
                    drv.builder
                ),
            });
        }
        let fixed = match (drv.outputs.get("out"), drv.outputs.len()) {
            (Some(o), 1) => o.fixed.clone(),
            _ => None,
        }
        .ok_or_else(|| BuildError::Unsupported {
            drv: shown.clone(),
            what: "builtin:fetchurl needs a fixed-output derivation with one output 'out'"
                .to_string(),
        })?;
        if drv.env.get("unpack").is_some_and(|v| v == "1") {
            return Err(BuildError::Unsupported {
                drv: shown,
                what: "builtin:fetchurl with unpack = true is not supported".to_string(),
            });
        }
        let url = drv
            .env
            .get("url")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| BuildError::Unsupported {
                drv: shown.clone(),
                what: "builtin:fetchurl needs the attribute 'url'".to_string(),
            })?;
        let executable = drv.env.get("executable").is_some_and(|v| v == "1");
        let dest = self.store.real_path(&outputs["out"]);

        let mut log = fs::File::create(log_path).map_err(io_err("creating", log_path))?;
        let line = format!("downloading '{url}'");
        let _ = writeln!(log, "{line}");
        self.progress.on_event(&BuildEvent::LogLine {
            drv: drv_path,
            line: &line,
        });
        match fetch_url(
            url,
            &self.options.mirrors,
            &fixed,
            executable,
            &dest,
            &self.options.fetch,
            &mut |_, _| {},
        ) {
            Ok(fetched) => {
                let line = format!("downloaded {} bytes from '{}'", fetched.size, fetched.url);
                let _ = writeln!(log, "{line}");
                self.progress.on_event(&BuildEvent::LogLine {
                    drv: drv_path,
                    line: &line,
                });
                Ok(())
            }
            Err(FetchError::HashMismatch {
                expected, actual, ..
            }) => {
                let _ = writeln!(
                    log,
                    "hash mismatch: specified {}, got {}",
                    expected.to_sri(),
                    actual.to_sri()
                );
                Err(BuildError::OutputHashMismatch {
                    drv: shown,
                    expected,
                    actual,
                })
            }
            Err(source) => {
                let _ = writeln!(log, "{source}");
                Err(BuildError::Fetch {
                    drv: shown,
                    source: Box::new(source),
                })
            }
        }
    }

    /// Nix's `exportReferencesGraph = [ name1 path1 name2 path2 ... ]`: for
    /// each pair a file `name` in the build directory describing the
    /// closure of `path` (which must be in the input closure; derivations in
    /// it bring their outputs' closures too) in the registration format of
    /// `nix-store --register-validity`: per path, sorted, the path, an empty
    /// deriver line, the number of references and the references.
    fn export_references_graph(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
        closure: &BTreeSet<StorePath>,
    ) -> Result<BTreeMap<String, String>, BuildError> {
        let mut files = BTreeMap::new();
        let Some(value) = drv.env.get("exportReferencesGraph") else {
            return Ok(files);
        };
        let sd = self.store.store_dir();
        let bad = |reason: String| BuildError::ReadDerivation {
            drv: sd.full(drv_path),
            reason,
        };
        let words: Vec<&str> = value.split_whitespace().collect();
        if !words.len().is_multiple_of(2) {
            return Err(bad(format!(
                "odd number of tokens in 'exportReferencesGraph': '{value}'"
            )));
        }
        for pair in words.chunks(2) {
            let (name, target) = (pair[0], pair[1]);
            let valid_name = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !valid_name {
                return Err(bad(format!(
                    "invalid file name '{name}' in 'exportReferencesGraph'"
                )));
            }
            let (root, _) = sd.split_inner(target).map_err(|_| {
                bad(format!(
                    "'exportReferencesGraph' contains a non-store path '{target}'"
                ))
            })?;
            if !closure.contains(&root) {
                return Err(bad(format!(
                    "cannot export references of path '{}' because it is not in the input closure of the derivation",
                    sd.print(&root)
                )));
            }
            let mut paths = BTreeSet::new();
            self.add_closure(drv_path, &root, &mut paths)?;
            for p in paths.clone() {
                if p.is_derivation() {
                    let d = read_derivation(self.store, &p)?;
                    for out in output_paths(sd, &p, &d)?.values() {
                        self.add_closure(drv_path, out, &mut paths)?;
                    }
                }
            }
            let mut text = String::new();
            for p in &paths {
                let refs = self
                    .store
                    .query_references(p)
                    .map_err(store_err(sd, drv_path))?;
                text.push_str(&format!("{}\n\n{}\n", sd.print(p), refs.len()));
                for r in &refs {
                    text.push_str(&sd.print(r));
                    text.push('\n');
                }
            }
            files.insert(name.to_string(), text);
        }
        Ok(files)
    }

    fn add_closure(
        &self,
        drv_path: &StorePath,
        root: &StorePath,
        into: &mut BTreeSet<StorePath>,
    ) -> Result<(), BuildError> {
        let sd = self.store.store_dir();
        let mut stack = vec![root.clone()];
        while let Some(p) = stack.pop() {
            if into.insert(p.clone()) {
                stack.extend(
                    self.store
                        .query_references(&p)
                        .map_err(store_err(sd, drv_path))?,
                );
            }
        }
        Ok(())
    }
}

/// A builder that failed because the kernel could not execute one of its
/// programs (built for another system, with no emulator registered) gets a
/// last line naming the opt-in that runs such programs.
fn opt_in_hint(mut e: SandboxError, drv: &Derivation) -> SandboxError {
    if let SandboxError::BuilderFailed { tail, .. } = &mut e {
        let foreign = tail
            .iter()
            .any(|l| l.contains("Exec format error") || l.contains("cannot execute binary file"));
        if foreign && !drv.env.contains_key(RUN_SYSTEMS_ATTR) {
            tail.push(format!(
                "xnix: the build ran a program this machine does not execute natively; a cross \
                 build that runs programs it built for its host opts in with the derivation \
                 attribute `{RUN_SYSTEMS_ATTR} = [ \"<host system>\" ]` (stdenv.mkDerivation: \
                 `runHostPrograms = true;`), which runs them under qemu in this build only"
            ));
        }
    }
    e
}
