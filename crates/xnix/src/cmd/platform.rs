//! `xnix platforms` and `xnix platform ...`: the catalogue, elaborated
//! platforms and `canExecute`, all answered by `xnix-platform`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use xnix_platform::{catalogue, elaborate, host_system, resolve, Emulator, Platform};

const PLATFORMS_EXAMPLES: &str = "\
Examples:
  xnix platforms                 the catalogue as a table: name, triple, double
  xnix platforms --json          the same as a JSON array of objects";

const PLATFORM_EXAMPLES: &str = "\
Examples:
  xnix platform show aarch64-multiplatform
  xnix platform show riscv64-unknown-linux-gnu --json
  xnix platform can-execute x86_64-linux i686-linux";

const SHOW_EXAMPLES: &str = r#"PLATFORM is a catalogue name (see `xnix platforms`), a Nix double such as
`aarch64-linux`, a GNU/LLVM triple such as `armv7l-unknown-linux-gnueabihf`,
or a JSON object of elaborate arguments such as
'{"config": "aarch64-unknown-linux-gnu", "gcc": {"arch": "armv8-a"}}'.

Examples:
  xnix platform show raspberryPi
  xnix platform show aarch64-linux
  xnix platform show x86_64-w64-mingw32 --json
  xnix platform show '{"config": "x86_64-unknown-linux-musl", "isStatic": true}'"#;

const CAN_EXECUTE_EXAMPLES: &str = "\
Prints `true` if binaries built for B run natively on A (nixpkgs' canExecute),
`false` otherwise. A and B are catalogue names, doubles or triples.

Examples:
  xnix platform can-execute x86_64-linux i686-linux      # true
  xnix platform can-execute x86_64-linux aarch64-linux   # false";

/// Arguments of `xnix platforms`.
#[derive(Args)]
#[command(after_help = PLATFORMS_EXAMPLES)]
pub struct PlatformsArgs {
    /// Print a JSON array of objects instead of a table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `xnix platform`.
#[derive(Args)]
#[command(after_help = PLATFORM_EXAMPLES)]
pub struct PlatformArgs {
    #[command(subcommand)]
    command: PlatformCommand,
}

#[derive(Subcommand)]
enum PlatformCommand {
    /// Show the elaborated platform (nixpkgs' `lib.systems.elaborate`).
    #[command(after_help = SHOW_EXAMPLES)]
    Show {
        /// Catalogue name, double or triple.
        #[arg(value_name = "PLATFORM")]
        platform: String,
        /// Print one JSON object with every attribute that evaluates.
        #[arg(long)]
        json: bool,
    },
    /// Whether binaries for B run natively on A (nixpkgs' `canExecute`).
    #[command(name = "can-execute", after_help = CAN_EXECUTE_EXAMPLES)]
    CanExecute {
        /// The platform that runs the binaries.
        #[arg(value_name = "A")]
        a: String,
        /// The platform the binaries are built for.
        #[arg(value_name = "B")]
        b: String,
    },
}

/// `xnix platforms`.
pub fn run_platforms(args: PlatformsArgs) -> anyhow::Result<ExitCode> {
    let mut rows = Vec::new();
    for entry in catalogue() {
        let p =
            elaborate(&entry.args).with_context(|| format!("catalogue entry `{}`", entry.name))?;
        rows.push((
            entry.name.to_string(),
            p.config().to_string(),
            p.system().to_string(),
        ));
    }
    if args.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(n, t, d)| json!({"name": n, "triple": t, "double": d}))
            .collect();
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&Value::Array(list))?
        ))
    } else {
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(6);
        let mut out = format!("{:w0$}  {:w1$}  DOUBLE\n", "NAME", "TRIPLE");
        for (n, t, d) in &rows {
            out.push_str(&format!("{n:w0$}  {t:w1$}  {d}\n"));
        }
        emit(&out)
    }
}

/// `xnix platform ...`.
pub fn run_platform(args: PlatformArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PlatformCommand::Show { platform, json } => {
            let p = resolve_arg(&platform)?;
            if json {
                emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&p.to_json())?
                ))
            } else {
                emit(&summary(&platform, &p))
            }
        }
        PlatformCommand::CanExecute { a, b } => {
            let pa = resolve_arg(&a).with_context(|| format!("platform A `{a}`"))?;
            let pb = resolve_arg(&b).with_context(|| format!("platform B `{b}`"))?;
            emit(&format!("{}\n", pa.can_execute(&pb)))
        }
    }
}

/// A catalogue name, double or triple; or, starting with `{`, a JSON object
/// of `elaborate` arguments such as `{"config": "aarch64-unknown-linux-gnu"}`.
fn resolve_arg(arg: &str) -> anyhow::Result<Platform> {
    if arg.trim_start().starts_with('{') {
        let args: Value = serde_json::from_str(arg)
            .context("the platform argument starts with `{` but is not a JSON object")?;
        Ok(elaborate(&args)?)
    } else {
        Ok(resolve(arg)?)
    }
}

/// Write to standard output; a reader that went away (`| head`) is not an
/// error.
fn emit(text: &str) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// A value as short text: strings bare, everything else as compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn attr(p: &Platform, path: &str) -> String {
    match p.get(path) {
        Ok(v) => text(&v),
        Err(e) => format!("(fails: {})", e.nix_message()),
    }
}

/// The readable form of `xnix platform show`: the essentials first, then
/// toolchain names, the true predicates and everything else.
fn summary(name: &str, p: &Platform) -> String {
    let parsed = p.parsed();
    let cpu = parsed.cpu;
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<28}{v}\n"));
    let mut cpu_text = format!("{} ({}, {}-bit", cpu.name, cpu.family, cpu.bits);
    if let Some(sb) = cpu.significant_byte {
        cpu_text.push_str(&format!(", {}", sb.name()));
    }
    if let Some(a) = cpu.arch {
        cpu_text.push_str(&format!(", arch {a}"));
    }
    cpu_text.push(')');
    let mut abi_text = parsed.abi.name.to_string();
    let extras: Vec<String> = [("float", parsed.abi.float), ("abi", parsed.abi.abi)]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
        .collect();
    if !extras.is_empty() {
        abi_text.push_str(&format!(" ({})", extras.join(", ")));
    }
    let emulator = match host_system().and_then(|h| resolve(&h).ok()) {
        Some(host) => {
            let e = p.emulator_on(&host);
            let how = match &e {
                Emulator::Native => "runs natively".to_string(),
                Emulator::Program(prog) => prog.clone(),
                Emulator::Unavailable => "none known".to_string(),
            };
            format!("{how} (on this machine, {})", host.system())
        }
        None => "unknown (this machine is not a platform nixpkgs knows)".to_string(),
    };
    line("config", p.config().to_string());
    line("system", p.system().to_string());
    line("cpu", cpu_text);
    line("vendor", parsed.vendor.to_string());
    line(
        "kernel",
        format!(
            "{} (exec format {})",
            parsed.kernel.name, parsed.kernel.exec_format
        ),
    );
    line("abi", abi_text);
    line("libc", attr(p, "libc"));
    line("linker", attr(p, "linker"));
    line("useLLVM", attr(p, "useLLVM"));
    line("isStatic", attr(p, "isStatic"));
    line("hasSharedLibraries", attr(p, "hasSharedLibraries"));
    line("emulator", emulator);
    let mut shown: Vec<&str> = vec![
        "config",
        "system",
        "parsed",
        "libc",
        "linker",
        "useLLVM",
        "isStatic",
        "hasSharedLibraries",
    ];
    let mut s = format!("{name}\n{out}\nNames used by tools\n");
    let tools: &[&str] = &[
        "gcc",
        "rust",
        "go",
        "node",
        "nim",
        "linuxArch",
        "qemuArch",
        "ubootArch",
        "efiArch",
        "darwinArch",
        "uname",
        "extensions",
        "libDir",
    ];
    for k in tools {
        match p.get(k) {
            Ok(v) => flatten(k, &v, &mut s),
            Err(e) => s.push_str(&format!("  {k:<28}(fails: {})\n", e.nix_message())),
        }
    }
    shown.extend_from_slice(tools);
    let attrs = p.attrs();
    let preds: Vec<&str> = attrs
        .iter()
        .filter(|(k, v)| k.starts_with("is") && v.is_boolean())
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| *k)
        .collect();
    s.push_str("\nTrue predicates\n");
    s.push_str(&wrap(&preds, 76, "  "));
    let features: Vec<&str> = attrs
        .iter()
        .filter(|(k, v)| k.ends_with("Support") && v.as_bool() == Some(true))
        .map(|(k, _)| *k)
        .collect();
    s.push_str("\nCPU features\n");
    if features.is_empty() {
        s.push_str("  (none beyond the baseline)\n");
    } else {
        s.push_str(&wrap(&features, 76, "  "));
    }
    s.push_str("\nOther attributes\n");
    for (k, v) in attrs {
        let skip = shown.contains(&k)
            || (k.starts_with("is") && v.is_boolean())
            || (k.ends_with("Support") && v.is_boolean());
        if !skip {
            flatten(k, v, &mut s);
        }
    }
    let failing = p.failing_attributes();
    if !failing.is_empty() {
        s.push_str("\nAttributes that fail in nixpkgs (left out of --json)\n");
        for (path, msg) in failing {
            s.push_str(&format!("  {path:<28}{msg}\n"));
        }
    }
    s
}

/// One line per leaf of a nested attribute set (`rust.platform.arch  aarch64`).
fn flatten(path: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                flatten(&format!("{path}.{k}"), x, out);
            }
        }
        other => out.push_str(&format!("  {path:<28}{}\n", text(other))),
    }
}

fn wrap(words: &[&str], width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut cur = String::from(indent);
    for w in words {
        if cur.len() > indent.len() && cur.len() + 1 + w.len() > width {
            out.push_str(&cur);
            out.push('\n');
            cur = String::from(indent);
        }
        if cur.len() > indent.len() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if cur.len() > indent.len() {
        out.push_str(&cur);
        out.push('\n');
    }
    out
}
