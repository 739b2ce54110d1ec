//! `xnix flake show | metadata | lock | update | check | init`, and flake installables
//! (`.#attr`, `PATH#attr`, `nixpkgs#hello`) for eval, instantiate, build, run and repl.
//! Fetching, locking and calling flakes live in `xnix-flake` and the evaluator's
//! `builtins::flake`; this file parses arguments and prints.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use xnix_app::flake::FlakeRequest;
use xnix_eval::builtins::flake as eflake;
use xnix_eval::{with_big_stack, EvalError, Evaluator, Pos, Value};
use xnix_flake::{FlakeRef, LockFile, LockedInput};

/// Options of every command that evaluates a flake.
#[derive(Args, Clone, Debug, Default)]
pub struct FlakeArgs {
    /// Use REF for the flake input at PATH (input names joined by '/', e.g. `nixpkgs` or
    /// `dep/nixpkgs`), instead of what flake.nix and flake.lock say.
    #[arg(long = "override-input", num_args = 2, value_names = ["PATH", "REF"], help_heading = "Flake options")]
    pub override_input: Vec<String>,
    /// Lock this input again even if its declaration did not change (repeatable).
    #[arg(
        long = "update-input",
        value_name = "PATH",
        help_heading = "Flake options"
    )]
    pub update_input: Vec<String>,
    /// Do not write a changed flake.lock.
    #[arg(long = "no-write-lock-file", help_heading = "Flake options")]
    pub no_write_lock_file: bool,
    /// Fail if flake.lock is missing or does not match flake.nix.
    #[arg(long = "no-update-lock-file", help_heading = "Flake options")]
    pub no_update_lock_file: bool,
    /// Do not use or fill the evaluation cache (which is keyed by the content of the flake,
    /// its lock, the collection and the installed toolchains, so it also serves dirty trees).
    #[arg(long = "no-eval-cache", help_heading = "Flake options")]
    pub no_eval_cache: bool,
}

impl FlakeArgs {
    /// The request these arguments make.
    pub fn request(&self) -> FlakeRequest {
        FlakeRequest {
            override_input: self
                .override_input
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect(),
            update_input: self.update_input.clone(),
            no_write_lock_file: self.no_write_lock_file,
            no_update_lock_file: self.no_update_lock_file,
            no_eval_cache: self.no_eval_cache,
        }
    }
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

const EXAMPLES: &str = "\
Examples:
  xnix flake init                       # a flake.nix using the bundled collection
  xnix flake lock                       # write flake.lock for ./flake.nix
  xnix flake update                     # lock every input again
  xnix flake update nixpkgs             # only this input
  xnix flake metadata .                 # URL, description, inputs
  xnix flake show --json                # the outputs
  xnix flake check                      # evaluate every output
  xnix flake show /src/board --override-input nixpkgs path:/src/my-pkgs
  xnix build .#nixosConfigurations.board.config.system.build.toplevel
  xnix build nixpkgs#hello              # packages.<system>.hello, legacyPackages.<system>.hello, hello

A flake reference is a path (`.`, `/src/x`; inside a Git work tree only files Git tracks
are part of it), `path:DIR`, `git+file:///repo?ref=main`, `git+https://host/repo`,
`github:OWNER/REPO[/REF]`, a tarball or file URL, or a name from the registry: `nixpkgs`
and `xnixpkgs` mean the bundled collection. `?dir=SUB` selects a flake in a subdirectory.";

/// Arguments of `xnix flake`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct FlakeCmdArgs {
    #[command(subcommand)]
    pub command: FlakeCommand,
}

/// Options shared by the `flake` subcommands.
#[derive(Args, Clone, Debug)]
pub struct Common {
    /// The flake reference (default: the current directory).
    #[arg(value_name = "FLAKE", default_value = ".")]
    pub flake: String,
    #[command(flatten)]
    pub flake_args: FlakeArgs,
    /// Add a search path entry: PATH or NAME=PATH.
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show the chain of contexts an error happened in.
    #[arg(long = "show-trace")]
    pub show_trace: bool,
}

/// The `flake` subcommands.
#[derive(Subcommand)]
pub enum FlakeCommand {
    /// Show the outputs of a flake as a tree (or JSON).
    #[command(
        after_help = "Examples:\n  xnix flake show\n  xnix flake show --json /src/board\n  xnix flake show nixpkgs"
    )]
    Show(Common),
    /// Show a flake's URL, locked URL, description, revision and inputs.
    #[command(
        visible_alias = "info",
        after_help = "Examples:\n  xnix flake metadata\n  xnix flake metadata --json git+file:///src/board"
    )]
    Metadata(Common),
    /// Write flake.lock, locking inputs that are new or changed.
    #[command(
        after_help = "Examples:\n  xnix flake lock\n  xnix flake lock --update-input nixpkgs\n  xnix flake lock --override-input nixpkgs path:/src/pkgs"
    )]
    Lock(Common),
    /// Lock all inputs again (or only the INPUTs named), and write flake.lock.
    #[command(after_help = "Examples:\n  xnix flake update\n  xnix flake update . nixpkgs")]
    Update {
        #[command(flatten)]
        common: Common,
        /// Inputs to update (input names joined by '/'); all when none are given.
        #[arg(value_name = "INPUT")]
        inputs: Vec<String>,
    },
    /// Evaluate every output and check its type (nothing is built).
    #[command(after_help = "Examples:\n  xnix flake check\n  xnix flake check /src/board")]
    Check(Common),
    /// Write a flake.nix template into the current directory.
    #[command(
        after_help = "Examples:\n  xnix flake init\n  mkdir board && cd board && xnix flake init && xnix flake show"
    )]
    Init {
        /// Directory to write into (default: the current directory).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Run `xnix flake ...`.
pub fn run(args: FlakeCmdArgs, opts: &super::StoreOpts) -> anyhow::Result<ExitCode> {
    let store_dir = opts.store_dir().to_string();
    let code = with_big_stack(move || run_inner(args.command, &store_dir));
    Ok(ExitCode::from(code))
}

fn run_inner(cmd: FlakeCommand, store_dir: &str) -> u8 {
    let common = match &cmd {
        FlakeCommand::Init { dir } => {
            return match init(dir.clone().unwrap_or_else(cwd)) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            }
        }
        FlakeCommand::Show(c)
        | FlakeCommand::Metadata(c)
        | FlakeCommand::Lock(c)
        | FlakeCommand::Check(c) => c.clone(),
        FlakeCommand::Update { common, .. } => common.clone(),
    };
    let ev = xnix_app::installable::new_evaluator(store_dir, &common.include);
    let result = (|| -> Result<(), EvalError> {
        let r = FlakeRef::parse_cli(&common.flake, &cwd())
            .map_err(|e| EvalError::msg(e.to_string(), Pos::NONE))?;
        let mut options = common.flake_args.request().options()?;
        match &cmd {
            FlakeCommand::Update { inputs, .. } => {
                if inputs.is_empty() {
                    options.lock.update_all = true;
                } else {
                    for i in inputs {
                        options
                            .lock
                            .update
                            .insert(xnix_flake::lock::parse_follows(i));
                    }
                }
                let locked = eflake::lock_flake(&ev, &r, &options)
                    .map_err(|e| EvalError::msg(e.to_string(), Pos::NONE))?;
                print_inputs(&locked.lock);
            }
            FlakeCommand::Lock(_) => {
                let locked = eflake::lock_flake(&ev, &r, &options)
                    .map_err(|e| EvalError::msg(e.to_string(), Pos::NONE))?;
                if common.json {
                    print!("{}", locked.lock.to_text());
                }
            }
            FlakeCommand::Metadata(_) => {
                options.write_lock_file = false;
                let locked = eflake::lock_flake(&ev, &r, &options)
                    .map_err(|e| EvalError::msg(e.to_string(), Pos::NONE))?;
                metadata(&ev, &locked, common.json)?;
            }
            FlakeCommand::Show(_) => {
                let (v, locked) = eflake::get_flake(&ev, &r, &options)?;
                let outputs = ev.select_attr(v, "outputs", Pos::NONE)?;
                let tree = describe(&ev, outputs, &[], 0)?;
                if common.json {
                    println!("{}", tree.to_json());
                } else {
                    println!("{}", locked.reference.to_url());
                    tree.print("");
                }
            }
            FlakeCommand::Check(_) => {
                let (v, _) = eflake::get_flake(&ev, &r, &options)?;
                let outputs = ev.select_attr(v, "outputs", Pos::NONE)?;
                check(&ev, outputs)?;
            }
            FlakeCommand::Init { .. } => {}
        }
        Ok(())
    })();
    let code = match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", ev.format_error(&e, common.show_trace));
            1
        }
    };
    std::mem::forget(ev);
    code
}

/// Print the lock's inputs as a tree (after `flake update`).
fn print_inputs(lock: &LockFile) {
    fn walk(lock: &LockFile, node: usize, prefix: &str, depth: usize) {
        let inputs = &lock.nodes[node].inputs;
        let n = inputs.len();
        for (i, (name, inp)) in inputs.iter().enumerate() {
            let last = i + 1 == n;
            let branch = if last { "└───" } else { "├───" };
            match inp {
                LockedInput::Node(j) => {
                    let url = lock.nodes[*j]
                        .locked
                        .as_ref()
                        .map(|r| r.to_url())
                        .unwrap_or_default();
                    println!("{prefix}{branch}{name}: {url}");
                    if depth < 16 {
                        let next = format!("{prefix}{}", if last { "    " } else { "│   " });
                        walk(lock, *j, &next, depth + 1);
                    }
                }
                LockedInput::Follows(p) => {
                    println!("{prefix}{branch}{name} follows input '{}'", p.join("/"))
                }
            }
        }
    }
    println!("Inputs:");
    walk(lock, lock.root, "", 0);
}

fn metadata(ev: &Evaluator, locked: &eflake::LockedFlake, json: bool) -> Result<(), EvalError> {
    let err = |e: xnix_flake::FlakeError| EvalError::msg(e.to_string(), Pos::NONE);
    let locked_ref = locked.tree.locked().map_err(err)?;
    let nar_hash = locked.tree.nar_hash().map_err(err)?;
    let store_path = xnix_eval::store::fixed_output_path(
        ev,
        "source",
        xnix_formats::ContentAddressMethod::Recursive,
        nar_hash,
        Pos::NONE,
    )?;
    let last_modified = locked.tree.last_modified().map_err(err)?;
    if json {
        let mut m = serde_json::Map::new();
        if let Some(d) = &locked.decl.description {
            m.insert("description".into(), d.clone().into());
        }
        if let Some(t) = last_modified {
            m.insert("lastModified".into(), t.into());
        }
        let attrs = |r: &FlakeRef| {
            serde_json::Value::Object(
                r.to_attrs()
                    .into_iter()
                    .map(|(k, v)| (k, v.to_json()))
                    .collect(),
            )
        };
        m.insert("locked".into(), attrs(&locked_ref));
        let lock_json: serde_json::Value =
            serde_json::from_str(&locked.lock.to_text()).unwrap_or_default();
        m.insert("locks".into(), lock_json);
        m.insert("original".into(), attrs(&locked.reference));
        m.insert("originalUrl".into(), locked.reference.to_url().into());
        m.insert("path".into(), store_path.into());
        m.insert("resolved".into(), attrs(&locked.reference));
        m.insert("resolvedUrl".into(), locked.reference.to_url().into());
        if let Some(rev) = &locked.tree.rev {
            m.insert("revision".into(), rev.clone().into());
        }
        m.insert("url".into(), locked_ref.to_url().into());
        println!("{}", serde_json::Value::Object(m));
        return Ok(());
    }
    println!("Resolved URL:  {}", locked.reference.to_url());
    println!("Locked URL:    {}", locked_ref.to_url());
    if let Some(d) = &locked.decl.description {
        println!("Description:   {d}");
    }
    println!("Path:          {store_path}");
    if let Some(rev) = &locked.tree.rev {
        println!("Revision:      {rev}");
    }
    if let Some(c) = locked.tree.rev_count {
        println!("Revisions:     {c}");
    }
    if let Some(t) = last_modified {
        let d = xnix_flake::date_string(t);
        println!(
            "Last modified: {}-{}-{} {}:{}:{}",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        );
    }
    print_inputs(&locked.lock);
    Ok(())
}

/// What `flake show` prints for an output: its text, and its JSON as Nix's
/// `flake show --json` writes it.
enum Shown {
    /// A leaf: Nix's JSON type (`derivation`, `nixos-configuration`, ...), the derivation
    /// name if any, and the text shown in the tree.
    Leaf {
        kind: &'static str,
        name: Option<String>,
        text: String,
    },
    /// Not walked (package sets are large): an empty JSON object, as Nix.
    Omitted(String),
    /// Attributes.
    Set(BTreeMap<String, Shown>),
}

impl Shown {
    fn leaf(kind: &'static str, text: &str) -> Shown {
        Shown::Leaf {
            kind,
            name: None,
            text: text.to_string(),
        }
    }

    fn print(&self, prefix: &str) {
        if let Shown::Set(m) = self {
            let n = m.len();
            for (i, (k, v)) in m.iter().enumerate() {
                let last = i + 1 == n;
                let branch = if last { "└───" } else { "├───" };
                match v {
                    Shown::Leaf { text, .. } | Shown::Omitted(text) => {
                        println!("{prefix}{branch}{k}: {text}")
                    }
                    Shown::Set(_) => {
                        println!("{prefix}{branch}{k}");
                        v.print(&format!("{prefix}{}", if last { "    " } else { "│   " }));
                    }
                }
            }
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Shown::Leaf { kind, name, .. } => {
                let mut m = serde_json::Map::new();
                if let Some(n) = name {
                    m.insert("name".into(), n.clone().into());
                }
                m.insert("type".into(), (*kind).into());
                serde_json::Value::Object(m)
            }
            Shown::Omitted(_) => serde_json::json!({}),
            Shown::Set(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// Describe an output without evaluating more than needed: package sets under
/// `legacyPackages` are not walked (they are large), configurations are named, not
/// evaluated.
fn describe(ev: &Evaluator, v: Value, path: &[String], depth: usize) -> Result<Shown, EvalError> {
    let top = path.first().map(String::as_str).unwrap_or("");
    match (top, path.len()) {
        ("legacyPackages", 2) => return Ok(Shown::Omitted("omitted (a package set)".into())),
        ("nixosConfigurations", 2) => {
            return Ok(Shown::leaf("nixos-configuration", "NixOS configuration"))
        }
        ("overlays", 2) => return Ok(Shown::leaf("nixpkgs-overlay", "Nixpkgs overlay")),
        ("nixosModules", 2) => return Ok(Shown::leaf("nixos-module", "NixOS module")),
        ("lib", 1) => return Ok(Shown::leaf("unknown", "unknown")),
        _ => {}
    }
    let v = ev.force(v)?;
    match &v {
        Value::Attrs(a) if ev.is_derivation(a)? => {
            let name = match a.get("name") {
                Some(n) => ev.force_str(n.clone(), Pos::NONE).unwrap_or_default(),
                None => String::new(),
            };
            let kind = match top {
                "devShells" => "development environment",
                "checks" => "derivation",
                _ => "package",
            };
            Ok(Shown::Leaf {
                kind: "derivation",
                text: format!("{kind} '{name}'"),
                name: Some(name),
            })
        }
        Value::Attrs(a) if depth < 4 => {
            let mut m = BTreeMap::new();
            for attr in &a.entries {
                let mut p = path.to_vec();
                p.push(attr.name.to_string());
                m.insert(
                    attr.name.to_string(),
                    describe(ev, attr.value.clone(), &p, depth + 1)?,
                );
            }
            Ok(Shown::Set(m))
        }
        _ => Ok(Shown::leaf("unknown", "unknown")),
    }
}

/// `flake check`: evaluate each known output to the type it must have.
fn check(ev: &Evaluator, outputs: Value) -> Result<(), EvalError> {
    let outputs = ev.force_attrs(outputs, Pos::NONE)?;
    let per_system_drvs = ["packages", "checks", "devShells"];
    let mut checked = 0;
    for o in &outputs.entries {
        let name: &str = o.name.as_ref();
        let ctx = |e: EvalError| e.prefix_msg(&format!("while checking flake output '{name}': "));
        match name {
            n if per_system_drvs.contains(&n) => {
                let systems = ev.force_attrs(o.value.clone(), Pos::NONE).map_err(ctx)?;
                for s in &systems.entries {
                    let set = ev.force_attrs(s.value.clone(), Pos::NONE).map_err(ctx)?;
                    for p in &set.entries {
                        let a = ev.force_attrs(p.value.clone(), Pos::NONE).map_err(ctx)?;
                        if !ev.is_derivation(&a)? {
                            return Err(EvalError::msg(
                                format!(
                                    "flake output '{name}.{}.{}' is not a derivation",
                                    s.name.as_ref() as &str,
                                    p.name.as_ref() as &str
                                ),
                                Pos::NONE,
                            ));
                        }
                        let drv = ev
                            .select_attr(p.value.clone(), "drvPath", Pos::NONE)
                            .map_err(ctx)?;
                        ev.force(drv).map_err(ctx)?;
                        checked += 1;
                    }
                }
            }
            "nixosConfigurations" => {
                let cfgs = ev.force_attrs(o.value.clone(), Pos::NONE).map_err(ctx)?;
                for c in &cfgs.entries {
                    let top = ev.select_attr_path(
                        c.value.clone(),
                        "config.system.build.toplevel.drvPath",
                        &Value::attrs(Default::default()),
                    );
                    let top = top.map_err(|e| {
                        e.prefix_msg(&format!(
                            "while checking the configuration 'nixosConfigurations.{}': ",
                            c.name.as_ref() as &str
                        ))
                    })?;
                    ev.force(top)?;
                    checked += 1;
                }
            }
            "overlays" => {
                let ovs = ev.force_attrs(o.value.clone(), Pos::NONE).map_err(ctx)?;
                for ov in &ovs.entries {
                    let f = ev.force(ov.value.clone())?;
                    if !f.is_function() {
                        return Err(EvalError::msg(
                            format!("overlay 'overlays.{}' is not a function (final: prev: {{ ... }}) but {}", ov.name.as_ref() as &str, f.type_desc()),
                            Pos::NONE,
                        ));
                    }
                    checked += 1;
                }
            }
            "legacyPackages" | "lib" | "nixosModules" | "apps" | "formatter" | "templates"
            | "defaultPackage" | "devShell" | "overlay" | "nixosModule" | "hydraJobs" => {
                ev.force(o.value.clone()).map_err(ctx)?;
                checked += 1;
            }
            other => eprintln!("warning: unknown flake output '{other}'"),
        }
    }
    eprintln!("checked {checked} outputs");
    Ok(())
}

const TEMPLATE: &str = r#"{
  description = "A system and packages, cross-compiled with xnix";

  # "nixpkgs" means the collection bundled with xnix.
  inputs.nixpkgs.url = "nixpkgs";

  outputs = { self, nixpkgs }: {
    # xnix build .#hello
    packages.x86_64-linux.hello = nixpkgs.legacyPackages.x86_64-linux.hello;
    packages.x86_64-linux.default = self.packages.x86_64-linux.hello;

    # xnix build .#nixosConfigurations.board.config.system.build.toplevel
    nixosConfigurations.board = nixpkgs.lib.nixosSystem {
      modules = [
        ({ pkgs, ... }: {
          nixpkgs.buildPlatform = "x86_64-linux";
          nixpkgs.hostPlatform = "aarch64-linux";
          networking.hostName = "board";
          environment.systemPackages = [ pkgs.hello ];
          system.stateVersion = "23.11";
        })
      ];
    };
  };
}
"#;

fn init(dir: PathBuf) -> anyhow::Result<()> {
    let file = dir.join("flake.nix");
    if file.exists() {
        anyhow::bail!(
            "'{}' already exists; nothing was changed (move it away to start from the template)",
            file.display()
        );
    }
    write_new(&file, TEMPLATE)?;
    println!("wrote {}", file.display());
    Ok(())
}

fn write_new(file: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| anyhow::anyhow!("creating '{}': {e}", file.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}
