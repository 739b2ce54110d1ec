//! `xnix show-config`: the effective settings (xnix.conf, then `--option`),
//! as `nix show-config`. The reading is `xnix_app::settings`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::StoreOpts;

const EXAMPLES: &str = "\
Examples:
  xnix show-config                              every setting, as `name = value`
  xnix show-config --json                       with descriptions and where each came from
  xnix show-config --option max-jobs 4          what a run with that option would use
  XNIX_CONF_DIR=./conf xnix show-config         read ./conf/xnix.conf instead

Settings are read from /etc/xnix/xnix.conf (or $XNIX_CONF_FILE, or xnix.conf in
$XNIX_CONF_DIR), then from $XNIX_CONFIG, then from `--option NAME VALUE` on any
command; the later wins, and a command's own flags win over all of them. The
file has nix.conf's syntax:
  # comment
  max-jobs = 4
  cores = 2
  extra-substituters = file:///srv/cache     extra-NAME appends to a list
  !include /etc/xnix/local.conf               include PATH fails if it is missing";

/// Arguments of `xnix show-config`.
#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct ShowConfigArgs {
    /// Print a JSON object: name -> {value, description, origin}.
    #[arg(long)]
    pub json: bool,
}

/// Run `xnix show-config`.
pub fn run(args: ShowConfigArgs, opts: &StoreOpts) -> anyhow::Result<ExitCode> {
    let shown = opts.settings.show();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let object: serde_json::Map<String, serde_json::Value> = shown
            .iter()
            .map(|s| {
                (
                    s.name.to_string(),
                    serde_json::json!({
                        "value": s.json_value(),
                        "description": s.description,
                        "origin": s.origin.to_string(),
                    }),
                )
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Object(object))?;
    } else {
        for s in &shown {
            writeln!(out, "{} = {}", s.name, s.value)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
