//! Machine settings, as Nix has them: a configuration file in nix.conf's
//! syntax (`/etc/xnix/xnix.conf`, or `$XNIX_CONF_DIR/xnix.conf`, or
//! `$XNIX_CONF_FILE`), then the contents of `$XNIX_CONFIG`, then
//! `--option NAME VALUE` from the command line; later ones win.
//!
//! Syntax: one `name = value` a line, `#` starts a comment, `include PATH`
//! (an error if missing) and `!include PATH` (skipped if missing) read
//! another file relative to this one, and `extra-NAME = value` appends to
//! a list setting instead of replacing it. Unknown names warn, as Nix
//! does; a value of the wrong shape is an error naming the setting and
//! where it was given.
//!
//! Architecture Invariant: this module is the only reader of settings;
//! library crates (xnix-build, xnix-remote, ...) take what they need as
//! typed options ([`Settings::build_options`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use xnix_build::builder::BuildOptions;

/// The configuration file when no environment variable names another.
pub const DEFAULT_CONF_FILE: &str = "/etc/xnix/xnix.conf";

/// The shape of a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    /// A count, or `auto` (the number of CPUs).
    Jobs,
    Count,
    Text,
    /// Whitespace-separated words; `extra-NAME` appends.
    List,
}

struct Spec {
    name: &'static str,
    kind: Kind,
    description: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "system",
        kind: Kind::Text,
        description: "the system this machine builds for natively (and builtins.currentSystem)",
    },
    Spec {
        name: "extra-platforms",
        kind: Kind::List,
        description:
            "further systems built here (default: every system with an emulator installed)",
    },
    Spec {
        name: "max-jobs",
        kind: Kind::Jobs,
        description: "builds run at the same time (a number or 'auto')",
    },
    Spec {
        name: "cores",
        kind: Kind::Count,
        description: "NIX_BUILD_CORES of each build (0: every CPU)",
    },
    Spec {
        name: "sandbox-paths",
        kind: Kind::List,
        description: "host paths visible in every sandbox (PATH or INSIDE=HOST, '?' if optional)",
    },
    Spec {
        name: "allowed-impure-host-deps",
        kind: Kind::List,
        description: "host paths a derivation's __impureHostDeps may name",
    },
    Spec {
        name: "substituters",
        kind: Kind::List,
        description: "binary caches to fetch outputs from instead of building them",
    },
    Spec {
        name: "trusted-public-keys",
        kind: Kind::List,
        description: "keys whose signatures make substitutes acceptable",
    },
    Spec {
        name: "builders",
        kind: Kind::Text,
        description: "other machines to build on (machines format, or @FILE)",
    },
    Spec {
        name: "allow-import-from-derivation",
        kind: Kind::Bool,
        description: "build derivations whose outputs the evaluation reads (default true)",
    },
    Spec {
        name: "keep-failed",
        kind: Kind::Bool,
        description: "keep the build directories of failed builds",
    },
    Spec {
        name: "show-trace",
        kind: Kind::Bool,
        description: "show the chain of contexts an evaluation error happened in",
    },
];

fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Nothing set it.
    Default,
    /// A configuration file, at a line.
    File {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
    },
    /// `$XNIX_CONFIG`, at a line.
    Env {
        /// Its line, from 1.
        line: usize,
    },
    /// `--option` on the command line.
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Env { line } => write!(f, "XNIX_CONFIG:{line}"),
            Origin::CommandLine => f.write_str("--option"),
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    value: String,
    origin: Origin,
}

/// The effective settings of this run. Build with [`Settings::load`]
/// (or [`Settings::default`] for none at all).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    entries: BTreeMap<&'static str, Entry>,
    /// Warnings found while reading (unknown settings), for the caller to
    /// print.
    pub warnings: Vec<String>,
}

/// One setting as `xnix show-config` lists it.
#[derive(Clone, Debug)]
pub struct Shown {
    /// Its name.
    pub name: &'static str,
    /// Its effective value, as it would be written in the file.
    pub value: String,
    /// What it means.
    pub description: &'static str,
    /// Where the value came from.
    pub origin: Origin,
    kind: Kind,
}

impl Shown {
    /// The value as JSON: a list of words, a boolean, a number or a string.
    pub fn json_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self.kind {
            Kind::List => Value::from(self.value.split_whitespace().collect::<Vec<_>>()),
            Kind::Bool => Value::from(self.value == "true"),
            Kind::Jobs | Kind::Count => self
                .value
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(self.value.clone())),
            Kind::Text => Value::from(self.value.clone()),
        }
    }
}

impl Settings {
    /// The configuration file this process reads: `$XNIX_CONF_FILE`, or
    /// `xnix.conf` in `$XNIX_CONF_DIR`, or [`DEFAULT_CONF_FILE`].
    pub fn conf_file() -> PathBuf {
        if let Some(f) = std::env::var_os("XNIX_CONF_FILE").filter(|f| !f.is_empty()) {
            return f.into();
        }
        if let Some(d) = std::env::var_os("XNIX_CONF_DIR").filter(|d| !d.is_empty()) {
            return Path::new(&d).join("xnix.conf");
        }
        DEFAULT_CONF_FILE.into()
    }

    /// Read the configuration file (if it exists), `$XNIX_CONFIG`, then
    /// `options` (`--option NAME VALUE` pairs, in order).
    pub fn load(options: &[(String, String)]) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        let file = Settings::conf_file();
        if file.exists() {
            s.read_file(&file, 0)?;
        }
        if let Ok(text) = std::env::var("XNIX_CONFIG") {
            s.read_text(&text, &|line| Origin::Env { line }, None, 0)?;
        }
        for (name, value) in options {
            s.set(name, value, Origin::CommandLine)?;
        }
        Ok(s)
    }

    fn read_file(&mut self, path: &Path, depth: usize) -> anyhow::Result<()> {
        if depth > 32 {
            bail!("{}: includes nest too deeply (a cycle?)", path.display());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the settings file {}", path.display()))?;
        let owned = path.to_path_buf();
        self.read_text(
            &text,
            &|line| Origin::File {
                path: owned.clone(),
                line,
            },
            path.parent(),
            depth,
        )
    }

    fn read_text(
        &mut self,
        text: &str,
        origin: &dyn Fn(usize) -> Origin,
        dir: Option<&Path>,
        depth: usize,
    ) -> anyhow::Result<()> {
        for (i, raw) in text.lines().enumerate() {
            let at = origin(i + 1);
            let line = raw.split('#').next().unwrap_or("");
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(&first) = words.first() else {
                continue;
            };
            if first == "include" || first == "!include" {
                if words.len() != 2 {
                    bail!("{at}: '{first}' takes one file name");
                }
                let target = match dir {
                    Some(d) => d.join(words[1]),
                    None => PathBuf::from(words[1]),
                };
                if target.exists() {
                    self.read_file(&target, depth + 1)?;
                } else if first == "include" {
                    bail!(
                        "{at}: included file {} not found (use '!include' to skip a missing file)",
                        target.display()
                    );
                }
                continue;
            }
            if words.len() < 2 || words[1] != "=" {
                bail!("{at}: expected 'name = value', found '{}'", raw.trim());
            }
            self.set(first, &words[2..].join(" "), at)?;
        }
        Ok(())
    }

    /// Set `name` (or append, for `extra-NAME`) to `value`, given at `origin`.
    pub fn set(&mut self, name: &str, value: &str, origin: Origin) -> anyhow::Result<()> {
        let (extra, base) = match name.strip_prefix("extra-") {
            Some(b) if spec(b).is_some() => (true, b),
            _ => (false, name),
        };
        let Some(spec) = spec(base) else {
            self.warnings.push(format!("unknown setting '{name}'"));
            return Ok(());
        };
        let value = value.trim();
        let place = origin.to_string();
        check(spec, value).map_err(|e| anyhow!("{place}: setting '{name}': {e}"))?;
        if extra && spec.kind != Kind::List {
            bail!("{place}: setting '{base}' is not a list, so '{name}' cannot add to it");
        }
        let value = if extra {
            // Appending to a setting keeps what it had, its default included.
            format!("{} {value}", self.value_of(spec.name))
                .trim()
                .to_string()
        } else {
            value.to_string()
        };
        self.entries.insert(spec.name, Entry { value, origin });
        Ok(())
    }

    /// Whether `name` was set (by a file, `$XNIX_CONFIG` or `--option`).
    pub fn is_set(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.entries.get(name).map(|e| e.value.as_str())
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.raw(name)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn flag(&self, name: &str) -> bool {
        self.raw(name) == Some("true")
    }

    /// `system`: the system this machine builds for natively.
    pub fn system(&self) -> String {
        self.raw("system")
            .map(str::to_string)
            .unwrap_or_else(xnix_platform::host_double)
    }

    /// `extra-platforms`: by default every Linux system this machine has
    /// an emulator installed for (qemu-user), so emulated builds need no
    /// setting.
    pub fn extra_platforms(&self) -> Vec<String> {
        match self.raw("extra-platforms") {
            Some(_) => self.list("extra-platforms"),
            None => emulated_systems(&self.system()),
        }
    }

    /// `max-jobs` (default 1; `auto` is the number of CPUs).
    pub fn max_jobs(&self) -> usize {
        match self.raw("max-jobs") {
            Some("auto") => xnix_build::sandbox::default_cores() as usize,
            Some(n) => n.parse().unwrap_or(1),
            None => 1,
        }
    }

    /// `cores` (default, and for 0: the number of CPUs).
    pub fn cores(&self) -> u32 {
        match self.raw("cores").and_then(|n| n.parse().ok()) {
            Some(0) | None => xnix_build::sandbox::default_cores(),
            Some(n) => n,
        }
    }

    /// `sandbox-paths`, in `--sandbox-path` syntax.
    pub fn sandbox_paths(&self) -> Vec<String> {
        self.list("sandbox-paths")
    }

    /// `allowed-impure-host-deps` (`$XNIX_ALLOWED_IMPURE_HOST_DEPS` wins;
    /// default `/usr /bin /lib /lib64`).
    pub fn allowed_impure_host_deps(&self) -> Vec<PathBuf> {
        let words = |v: &str| v.split_whitespace().map(PathBuf::from).collect();
        if let Ok(v) = std::env::var("XNIX_ALLOWED_IMPURE_HOST_DEPS") {
            return words(&v);
        }
        match self.raw("allowed-impure-host-deps") {
            Some(v) => words(v),
            None => xnix_build::sandbox::default_allowed_impure_host_deps(),
        }
    }

    /// `substituters`.
    pub fn substituters(&self) -> Vec<String> {
        self.list("substituters")
    }

    /// `trusted-public-keys`.
    pub fn trusted_public_keys(&self) -> Vec<String> {
        self.list("trusted-public-keys")
    }

    /// `builders`, if any.
    pub fn builders(&self) -> Option<String> {
        self.raw("builders")
            .filter(|b| !b.trim().is_empty())
            .map(str::to_string)
    }

    /// `allow-import-from-derivation` (default true, as in Nix).
    pub fn allow_import_from_derivation(&self) -> bool {
        self.raw("allow-import-from-derivation") != Some("false")
    }

    /// `keep-failed`.
    pub fn keep_failed(&self) -> bool {
        self.flag("keep-failed")
    }

    /// `show-trace`.
    pub fn show_trace(&self) -> bool {
        self.flag("show-trace")
    }

    /// The build options these settings describe (flags of a command
    /// override fields of it); sandbox paths are the default ones plus
    /// `sandbox-paths`.
    pub fn build_options(&self) -> anyhow::Result<BuildOptions> {
        let (emulated, declared) = match self.raw("extra-platforms") {
            None => (None, Vec::new()),
            Some(_) => {
                let machine = xnix_platform::Machine::new(&self.system()).ok();
                let (emulated, declared): (Vec<String>, Vec<String>) =
                    self.list("extra-platforms").into_iter().partition(|s| {
                        machine.as_ref().is_some_and(|m| {
                            matches!(m.execution_of(s),
                                Ok(xnix_platform::Emulator::Program(p)) if p.starts_with("qemu-"))
                        })
                    });
                (Some(emulated), declared)
            }
        };
        Ok(BuildOptions {
            jobs: self.max_jobs().max(1),
            cores: self.cores(),
            keep_failed: self.keep_failed(),
            allowed_impure_host_deps: self.allowed_impure_host_deps(),
            sandbox_paths: crate::realise::sandbox_paths(&self.sandbox_paths())?,
            system: self.system(),
            // Named systems qemu-user emulates are built under a per-build
            // emulator (remote builders that run them natively first);
            // others are declared to run here as they are. Unset: every
            // system an emulator is found for, at build time.
            extra_platforms: declared,
            emulated_platforms: emulated,
            substituters: crate::realise::substituters(
                &self.substituters(),
                &self.trusted_public_keys(),
            )?,
            ..BuildOptions::default()
        })
    }

    fn value_of(&self, name: &str) -> String {
        match name {
            "system" => self.system(),
            "extra-platforms" => self.extra_platforms().join(" "),
            "max-jobs" => self.max_jobs().to_string(),
            "cores" => self.cores().to_string(),
            "allowed-impure-host-deps" => self
                .allowed_impure_host_deps()
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            "builders" => self.builders().unwrap_or_default(),
            "keep-failed" | "show-trace" => self.flag(name).to_string(),
            "allow-import-from-derivation" => self.allow_import_from_derivation().to_string(),
            _ => self.raw(name).unwrap_or("").to_string(),
        }
    }

    /// Every known setting with its effective value, sorted by name.
    pub fn show(&self) -> Vec<Shown> {
        let mut all: Vec<Shown> = SPECS
            .iter()
            .map(|s| Shown {
                name: s.name,
                value: self.value_of(s.name),
                description: s.description,
                kind: s.kind,
                origin: self
                    .entries
                    .get(s.name)
                    .map(|e| e.origin.clone())
                    .unwrap_or(Origin::Default),
            })
            .collect();
        all.sort_by_key(|s| s.name);
        all
    }
}

/// Whether `value` has the shape `spec` needs; the error says what it should be.
fn check(spec: &Spec, value: &str) -> Result<(), String> {
    match spec.kind {
        Kind::Bool if value != "true" && value != "false" => {
            Err(format!("'{value}' is not 'true' or 'false'"))
        }
        Kind::Jobs if value != "auto" && value.parse::<usize>().is_err() => {
            Err(format!("'{value}' is not a number or 'auto'"))
        }
        Kind::Count if value.parse::<u32>().is_err() => Err(format!("'{value}' is not a number")),
        _ if spec.name == "sandbox-paths" => value.split_whitespace().try_for_each(|p| {
            xnix_build::sandbox::SandboxPath::parse(p)
                .map(|_| ())
                .map_err(|e| format!("'{p}': {e}"))
        }),
        _ => Ok(()),
    }
}

/// The Linux systems `system` runs through an installed qemu-user.
fn emulated_systems(system: &str) -> Vec<String> {
    let Ok(machine) = xnix_platform::Machine::new(system) else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for entry in xnix_platform::catalogue() {
        let Ok(platform) = xnix_platform::elaborate(&entry.args) else {
            continue;
        };
        let double = platform.system().to_string();
        if !double.ends_with("-linux") || found.contains(&double) {
            continue;
        }
        if let xnix_platform::Emulator::Program(p) = machine.execution(&platform) {
            if p.starts_with("qemu-") && crate::host::find_emulator(&p).is_some() {
                found.push(double);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        s.read_text(
            text,
            &|line| Origin::File {
                path: "/etc/xnix/xnix.conf".into(),
                line,
            },
            None,
            0,
        )?;
        Ok(s)
    }

    #[test]
    fn values_comments_and_extra() {
        let s = read(
            "# a comment\nmax-jobs = 4  # trailing\nsubstituters = file:///a\n\
             extra-substituters = file:///b file:///c\ncores = 2\nkeep-failed = true\n",
        )
        .unwrap();
        assert_eq!(s.max_jobs(), 4);
        assert_eq!(s.cores(), 2);
        assert!(s.keep_failed());
        assert_eq!(s.substituters(), ["file:///a", "file:///b", "file:///c"]);
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn later_values_replace_earlier_ones() {
        let mut s = read("max-jobs = 4\n").unwrap();
        s.set("max-jobs", "auto", Origin::CommandLine).unwrap();
        assert_eq!(s.max_jobs(), xnix_build::sandbox::default_cores() as usize);
    }

    #[test]
    fn unknown_settings_warn() {
        let s = read("foo = bar\nextra-bar = 1\n").unwrap();
        assert_eq!(
            s.warnings,
            ["unknown setting 'foo'", "unknown setting 'extra-bar'"]
        );
    }

    #[test]
    fn bad_values_name_setting_and_line() {
        let e = read("\n\nmax-jobs = lots\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "/etc/xnix/xnix.conf:3: setting 'max-jobs': 'lots' is not a number or 'auto'"
        );
        let e = read("keep-failed = yes\n").unwrap_err().to_string();
        assert!(e.contains("xnix.conf:1: setting 'keep-failed'"), "{e}");
        let e = read("max-jobs 3\n").unwrap_err().to_string();
        assert!(e.contains("expected 'name = value'"), "{e}");
        let e = read("extra-cores = 3\n").unwrap_err().to_string();
        assert!(e.contains("not a list"), "{e}");
    }

    #[test]
    fn includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("more.conf"), "cores = 7\n").unwrap();
        let main = dir.path().join("xnix.conf");
        std::fs::write(
            &main,
            "include more.conf\n!include absent.conf\nmax-jobs = 2\n",
        )
        .unwrap();
        let mut s = Settings::default();
        s.read_file(&main, 0).unwrap();
        assert_eq!((s.cores(), s.max_jobs()), (7, 2));
        std::fs::write(&main, "include absent.conf\n").unwrap();
        let e = Settings::default().read_file(&main, 0).unwrap_err();
        assert!(e.to_string().contains("not found"), "{e}");
    }
}
