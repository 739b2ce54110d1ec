//! The server side of the serve protocol: answering a client (an xnix or
//! Nix `ssh://` store) from a local store, as `xnix serve --stdio`.

use std::collections::BTreeSet;
use std::io::{self, BufReader, BufWriter, Read, Write};

use xnix_formats::serve::{
    self, build_status, AddToStoreNar, BasicDerivation, BuildResult, BuildSettings, PathInfo,
    WireError, EXPORT_MAGIC,
};
use xnix_formats::{Hash, HashAlgo, StorePath};
use xnix_store::binary_cache::references_first;
use xnix_store::{LocalStore, ValidPathInfo};

use crate::{RemoteError, Result};

/// What a client may do.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Allow adding paths (and building); without it the store is read-only
    /// to the client, as `nix-store --serve` without `--write`.
    pub write_allowed: bool,
    /// How derivations sent to be built are built here.
    pub build: xnix_build::builder::BuildOptions,
}

fn wire(source: WireError) -> RemoteError {
    RemoteError::Wire {
        peer: "client".into(),
        source,
    }
}

fn io_wire(e: io::Error) -> RemoteError {
    wire(WireError::Io(e))
}

fn refused(message: impl Into<String>) -> RemoteError {
    RemoteError::Peer {
        peer: "client".into(),
        message: message.into(),
    }
}

/// Serve one client on `input`/`output` until it closes its side. A command
/// that cannot be answered ends the session with an error (the client sees
/// the connection close, its user the message on stderr).
pub fn serve(
    store: &LocalStore,
    input: impl Read,
    output: impl Write,
    options: &ServeOptions,
) -> Result<()> {
    let mut r = BufReader::with_capacity(64 * 1024, input);
    let mut w = BufWriter::with_capacity(64 * 1024, output);
    let version = serve::server_hello(&mut r, &mut w).map_err(wire)?;
    let sd = store.store_dir().clone();
    let parse = |full: &str| -> Result<StorePath> {
        sd.parse(full).map_err(|e| {
            refused(format!(
                "'{full}' is not a path in this store's directory {} ({e}); both sides must use the same store directory (--store-dir)",
                sd.as_str()
            ))
        })
    };
    let parse_all = |list: Vec<String>| -> Result<BTreeSet<StorePath>> {
        list.iter().map(|p| parse(p)).collect()
    };
    let need_write = |what: &str| -> Result<()> {
        if options.write_allowed {
            Ok(())
        } else {
            Err(refused(format!(
                "{what} is not allowed: the server runs without --write"
            )))
        }
    };
    while let Some(n) = serve::read_u64_or_eof(&mut r).map_err(wire)? {
        match serve::Command::from_u64(n).map_err(wire)? {
            serve::Command::QueryValidPaths => {
                let lock = serve::read_bool(&mut r).map_err(wire)?;
                let substitute = serve::read_bool(&mut r).map_err(wire)?;
                let paths = parse_all(serve::read_strings(&mut r).map_err(wire)?)?;
                if substitute && options.write_allowed {
                    substitute_missing(store, &paths, &options.build.substituters)?;
                }
                let mut valid = Vec::new();
                for p in &paths {
                    if store.is_valid_path(p)? {
                        if lock && options.write_allowed {
                            store.add_temp_root(p)?;
                        }
                        valid.push(store.print_path(p));
                    }
                }
                serve::write_strings(&mut w, &valid).map_err(io_wire)?;
            }
            serve::Command::QueryPathInfos => {
                let paths = parse_all(serve::read_strings(&mut r).map_err(wire)?)?;
                for p in &paths {
                    if let Some(info) = store.query_path_info(p)? {
                        wire_info(store, &info)
                            .write(&mut w, version)
                            .map_err(io_wire)?;
                    }
                }
                serve::write_str(&mut w, "").map_err(io_wire)?;
            }
            serve::Command::DumpStorePath => {
                let p = parse(&serve::read_string(&mut r).map_err(wire)?)?;
                w.flush().map_err(io_wire)?;
                store.export_nar(&p, &mut w)?;
            }
            serve::Command::QueryClosure => {
                let include_outputs = serve::read_bool(&mut r).map_err(wire)?;
                let paths = parse_all(serve::read_strings(&mut r).map_err(wire)?)?;
                let closure = closure(store, &paths, include_outputs)?;
                serve::write_strings(&mut w, closure.iter().map(|p| store.print_path(p)))
                    .map_err(io_wire)?;
            }
            serve::Command::AddToStoreNar => {
                let header = AddToStoreNar::read(&mut r).map_err(wire)?;
                need_write("adding paths")?;
                let info = info_from_wire(&parse, &header)?;
                // The NAR is read through a limit, so a malformed one cannot
                // swallow the commands after it; what the import leaves of
                // it is drained to stay in step.
                let mut nar = (&mut r).take(header.nar_size);
                store.import_nar(&info, &mut nar)?;
                io::copy(&mut nar, &mut io::sink()).map_err(io_wire)?;
                serve::write_u64(&mut w, 1).map_err(io_wire)?;
            }
            serve::Command::ExportPaths => {
                let _obsolete = serve::read_u64(&mut r).map_err(wire)?;
                let paths = parse_all(serve::read_strings(&mut r).map_err(wire)?)?;
                export_paths(store, &paths, &mut w)?;
            }
            serve::Command::ImportPaths => {
                return Err(refused(
                    "the import stream of serve protocol 2.4 and older is not supported; use a client of 2.5 or newer (Nix 2.4+, xnix)",
                ));
            }
            serve::Command::BuildPaths => {
                let paths = serve::read_strings(&mut r).map_err(wire)?;
                let settings = BuildSettings::read(&mut r, version).map_err(wire)?;
                need_write("building")?;
                match build_paths(store, &paths, &settings, options) {
                    Ok(()) => serve::write_u64(&mut w, 0).map_err(io_wire)?,
                    Err(msg) => {
                        serve::write_u64(&mut w, 1).map_err(io_wire)?;
                        serve::write_str(&mut w, &msg).map_err(io_wire)?;
                    }
                }
            }
            serve::Command::BuildDerivation => {
                let drv_path = serve::read_string(&mut r).map_err(wire)?;
                let drv = BasicDerivation::read(&mut r).map_err(wire)?;
                let settings = BuildSettings::read(&mut r, version).map_err(wire)?;
                need_write("building")?;
                // The client's derivation goes to stderr's log lines; the
                // answer is one result, success or not.
                w.flush().map_err(io_wire)?;
                build_derivation(store, &drv_path, drv, &settings, options)
                    .write(&mut w, version)
                    .map_err(io_wire)?;
            }
        }
        w.flush().map_err(io_wire)?;
    }
    Ok(())
}

/// Fetch what this store lacks of `paths` from its own binary caches, as
/// far as they have it (the client's `--use-substitutes`: what they supply
/// need not travel over the connection). Each cache is asked for the paths
/// still missing; a cache that fails is skipped with a warning on stderr
/// (the client's user sees it), and whatever is still missing is sent by
/// the client as usual.
fn substitute_missing(
    store: &LocalStore,
    paths: &BTreeSet<StorePath>,
    substituters: &[xnix_build::substitute::Substituter],
) -> Result<()> {
    for sub in substituters {
        let mut missing = BTreeSet::new();
        for p in paths {
            if !store.is_valid_path(p)? {
                missing.insert(p.clone());
            }
        }
        if missing.is_empty() {
            break;
        }
        let cache = match sub.open(store.store_dir()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("warning: substituter '{}' skipped: {e}", sub.url);
                continue;
            }
        };
        let offered: BTreeSet<StorePath> = missing
            .into_iter()
            .filter(|p| cache.has_path(p).unwrap_or(false))
            .collect();
        if offered.is_empty() {
            continue;
        }
        let options = xnix_store::binary_cache::PullOptions {
            trusted_keys: sub.trusted_keys.clone(),
            no_check_sigs: false,
        };
        if let Err(e) = cache.pull(store, &offered, &options, &mut |_| {}) {
            eprintln!(
                "warning: cannot substitute from '{}' (the paths are copied instead): {e}",
                sub.url
            );
        }
    }
    Ok(())
}

/// Log lines of builds on this server go to its stderr, which the client's
/// ssh shows its user.
struct StderrProgress;

impl xnix_build::builder::BuildProgress for StderrProgress {
    fn on_event(&self, event: &xnix_build::builder::BuildEvent<'_>) {
        if let xnix_build::builder::BuildEvent::LogLine { line, .. } = event {
            eprintln!("{line}");
        }
    }
}

/// Realise `drv!outputs` entries with this machine's builder.
fn build_paths(
    store: &LocalStore,
    paths: &[String],
    settings: &BuildSettings,
    options: &ServeOptions,
) -> std::result::Result<(), String> {
    let mut drvs = Vec::new();
    for p in paths {
        let drv = p.split('!').next().unwrap_or_default();
        let drv = store
            .parse_path(drv)
            .map_err(|e| format!("'{p}' is not a derivation of this store: {e}"))?;
        if !drv.is_derivation() {
            return Err(format!(
                "'{p}' is not a derivation; only derivations are built here"
            ));
        }
        drvs.push(drv);
    }
    let build = client_build_options(settings, options);
    xnix_build::builder::realise(store, &drvs, &build, &StderrProgress)
        .map(|_| ())
        .map_err(|e| {
            e.failures
                .iter()
                .map(|(_, err)| err.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// The build options for a client's build: this machine's, with the
/// client's time limits.
fn client_build_options(
    settings: &BuildSettings,
    options: &ServeOptions,
) -> xnix_build::builder::BuildOptions {
    let mut build = options.build.clone();
    if settings.build_timeout > 0 {
        build.timeout = Some(std::time::Duration::from_secs(settings.build_timeout));
    }
    if settings.max_silent_time > 0 {
        build.max_silent_time = Some(std::time::Duration::from_secs(settings.max_silent_time));
    }
    build
}

/// The derivation a client sent to be built, as this store's: its outputs'
/// paths (and fixed hashes), sources, builder and environment; its name is
/// the `.drv` path's.
fn derivation_from_wire(
    store: &LocalStore,
    drv_path: &StorePath,
    basic: BasicDerivation,
) -> std::result::Result<xnix_formats::Derivation, String> {
    let sd = store.store_dir();
    let parse = |p: &str| {
        sd.parse(p).map_err(|e| {
            format!(
                "'{p}' is not a path in this store's directory {} ({e})",
                sd.as_str()
            )
        })
    };
    let mut outputs = std::collections::BTreeMap::new();
    for o in basic.outputs {
        let path = if o.path.is_empty() {
            return Err(format!(
                "output '{}' has no path (floating content-addressed outputs are not supported)",
                o.name
            ));
        } else {
            Some(parse(&o.path)?)
        };
        let fixed = match (o.hash_algo.is_empty(), o.hash.is_empty()) {
            (true, true) => None,
            (false, false) => Some(
                xnix_formats::FixedOutputHash::from_drv_fields(&o.hash_algo, &o.hash)
                    .map_err(|e| format!("output '{}': {e}", o.name))?,
            ),
            _ => {
                return Err(format!(
                    "output '{}' has a hash algorithm without a hash (floating content-addressed outputs are not supported)",
                    o.name
                ))
            }
        };
        outputs.insert(o.name, xnix_formats::DerivationOutput { path, fixed });
    }
    Ok(xnix_formats::Derivation {
        name: drv_path
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv_path.name())
            .to_string(),
        outputs,
        input_drvs: Default::default(),
        input_srcs: basic
            .input_srcs
            .iter()
            .map(|p| parse(p))
            .collect::<std::result::Result<_, _>>()?,
        platform: basic.platform,
        builder: basic.builder,
        args: basic.args,
        env: basic.env.into_iter().collect(),
    })
}

/// Build a derivation a client sent whole (the serve protocol's build
/// command, which Nix's remote builds use): its `.drv` need not be here,
/// its inputs (all among its sources) must be valid here. The client is
/// trusted as for adding paths (`--write`): an input-addressed output's
/// path is taken as sent.
fn build_derivation(
    store: &LocalStore,
    drv_path: &str,
    basic: BasicDerivation,
    settings: &BuildSettings,
    options: &ServeOptions,
) -> BuildResult {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let start_time = now();
    let failed = |status, error_msg: String| BuildResult {
        status,
        error_msg,
        start_time,
        stop_time: now(),
        ..Default::default()
    };
    let path = match store.parse_path(drv_path) {
        Ok(p) if p.is_derivation() => p,
        Ok(_) => {
            return failed(
                build_status::INPUT_REJECTED,
                format!("'{drv_path}' is not a derivation's path"),
            )
        }
        Err(e) => {
            return failed(
                build_status::INPUT_REJECTED,
                format!(
                    "'{drv_path}' is not a path in this store's directory {} ({e}); both sides must use the same store directory (--store-dir)",
                    store.store_dir().as_str()
                ),
            )
        }
    };
    let drv = match derivation_from_wire(store, &path, basic) {
        Ok(d) => d,
        Err(why) => {
            return failed(
                build_status::INPUT_REJECTED,
                format!("cannot build '{drv_path}': {why}"),
            )
        }
    };
    let build = client_build_options(settings, options);
    match xnix_build::builder::build_derivation(store, &path, drv, &build, &StderrProgress) {
        Ok((_, built)) => BuildResult {
            status: if built {
                build_status::BUILT
            } else {
                build_status::ALREADY_VALID
            },
            times_built: u64::from(built),
            start_time,
            stop_time: now(),
            ..Default::default()
        },
        Err(e) => {
            use xnix_build::builder::BuildError;
            use xnix_build::sandbox::SandboxError;
            let status = match &e {
                BuildError::Builder { source, .. } => match **source {
                    SandboxError::TimedOut { .. } | SandboxError::Silent { .. } => {
                        build_status::TIMED_OUT
                    }
                    _ => build_status::PERMANENT_FAILURE,
                },
                BuildError::OutputHashMismatch { .. }
                | BuildError::FixedOutputReferences { .. }
                | BuildError::ReferenceConstraint { .. } => build_status::OUTPUT_REJECTED,
                BuildError::MissingInput { .. } => build_status::MISC_FAILURE,
                _ => build_status::MISC_FAILURE,
            };
            failed(status, e.to_string())
        }
    }
}

/// A path's metadata as the protocol sends it.
pub fn wire_info(store: &LocalStore, info: &ValidPathInfo) -> PathInfo {
    PathInfo {
        path: store.print_path(&info.path),
        deriver: info
            .deriver
            .as_ref()
            .map(|d| store.print_path(d))
            .unwrap_or_default(),
        references: info
            .references
            .iter()
            .map(|p| store.print_path(p))
            .collect(),
        download_size: info.nar_size,
        nar_size: info.nar_size,
        nar_hash: format!("sha256:{}", info.nar_hash.to_base32()),
        ca: info.ca.clone().unwrap_or_default(),
        sigs: info.sigs.clone(),
    }
}

fn info_from_wire(
    parse: &dyn Fn(&str) -> Result<StorePath>,
    h: &AddToStoreNar,
) -> Result<ValidPathInfo> {
    if h.nar_size == 0 {
        return Err(refused(format!("'{}' came without its NAR size", h.path)));
    }
    let nar_hash = Hash::parse(&h.nar_hash, Some(HashAlgo::Sha256)).map_err(|e| {
        refused(format!(
            "bad NAR hash '{}' for '{}': {e}",
            h.nar_hash, h.path
        ))
    })?;
    Ok(ValidPathInfo {
        path: parse(&h.path)?,
        nar_hash,
        nar_size: h.nar_size,
        references: h
            .references
            .iter()
            .map(|p| parse(p))
            .collect::<Result<_>>()?,
        deriver: match h.deriver.as_str() {
            "" => None,
            d => Some(parse(d)?),
        },
        registration_time: 0,
        ca: (!h.ca.is_empty()).then(|| h.ca.clone()),
        sigs: h.sigs.clone(),
        ultimate: false,
    })
}

/// The closure of `paths`, with the valid outputs of derivations in it (and
/// their closures) when `include_outputs`.
pub fn closure(
    store: &LocalStore,
    paths: &BTreeSet<StorePath>,
    include_outputs: bool,
) -> Result<BTreeSet<StorePath>> {
    let mut closure = store.closure(paths)?;
    if include_outputs {
        let mut outputs = BTreeSet::new();
        for p in closure.iter().filter(|p| p.is_derivation()) {
            for (_, out) in store.query_derivation_outputs(p)? {
                if store.is_valid_path(&out)? {
                    outputs.insert(out);
                }
            }
        }
        closure.extend(store.closure(&outputs)?);
    }
    Ok(closure)
}

/// Write `paths` (references first) as a `nix-store --export` stream: per
/// path 1, the NAR, the export marker, the path, its references, its
/// deriver and 0 (no signature); then 0.
fn export_paths(store: &LocalStore, paths: &BTreeSet<StorePath>, w: &mut impl Write) -> Result<()> {
    let mut refs = std::collections::BTreeMap::new();
    let mut infos = std::collections::BTreeMap::new();
    for p in paths {
        let info = store
            .query_path_info(p)?
            .ok_or_else(|| refused(format!("path '{}' is not valid", store.print_path(p))))?;
        refs.insert(
            p.clone(),
            info.references
                .iter()
                .filter(|r| paths.contains(r))
                .cloned()
                .collect::<BTreeSet<_>>(),
        );
        infos.insert(p.clone(), info);
    }
    for p in references_first(&refs) {
        let info = &infos[&p];
        serve::write_u64(w, 1).map_err(io_wire)?;
        store.export_nar(&p, &mut *w)?;
        serve::write_u64(w, EXPORT_MAGIC).map_err(io_wire)?;
        serve::write_str(w, &store.print_path(&p)).map_err(io_wire)?;
        serve::write_strings(w, info.references.iter().map(|r| store.print_path(r)))
            .map_err(io_wire)?;
        let deriver = info
            .deriver
            .as_ref()
            .map(|d| store.print_path(d))
            .unwrap_or_default();
        serve::write_str(w, &deriver).map_err(io_wire)?;
        serve::write_u64(w, 0).map_err(io_wire)?;
    }
    serve::write_u64(w, 0).map_err(io_wire)?;
    Ok(())
}
