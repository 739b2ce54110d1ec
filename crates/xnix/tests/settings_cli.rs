//! Settings end to end: a configuration file in nix.conf's syntax, then
//! `--option` on the command line (which wins), `extra-` appending, the
//! warning for unknown settings, the error for a bad value naming its
//! file and line, `xnix show-config --json`, and settings reaching a build
//! (`cores` as the builder's NIX_BUILD_CORES, `sandbox-paths` as a host
//! file visible to it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(conf: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::write(env.conf(), conf).unwrap();
        env
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("xnix.conf")
    }

    fn xnix(&self, args: &[&str]) -> Output {
        Command::new(XNIX)
            .args(args)
            .current_dir(self.dir.path())
            .env("XNIX_CONF_FILE", self.conf())
            .env_remove("XNIX_CONF_DIR")
            .env_remove("XNIX_CONFIG")
            .env_remove("XNIX_SUBSTITUTERS")
            .env_remove("XNIX_BUILDERS")
            .env_remove("XNIX_SYSTEM")
            .env("XNIX_STORE_ROOT", self.dir.path().join("root"))
            .env("XNIX_STORE_DIR", "/xnix/store")
            .env_remove("XNIX_STATE_DIR")
            .output()
            .expect("running xnix")
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let o = self.xnix(args);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "xnix {args:?} failed:\n{out}\n{err}");
        (out, err)
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["show-config", "--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all).0).expect("show-config --json prints JSON")
    }
}

#[test]
fn file_then_option_with_extra_appending() {
    let env = Env::new(
        "# the machine's settings\n\
         max-jobs = 3\n\
         cores = 2   # per build\n\
         substituters = file:///srv/a\n\
         extra-substituters = file:///srv/b\n\
         keep-failed = true\n",
    );
    let j = env.json(&[]);
    assert_eq!(j["max-jobs"]["value"], 3);
    assert_eq!(j["cores"]["value"], 2);
    assert_eq!(j["keep-failed"]["value"], true);
    assert_eq!(
        j["substituters"]["value"],
        serde_json::json!(["file:///srv/a", "file:///srv/b"])
    );
    let conf = env.conf().display().to_string();
    assert_eq!(j["max-jobs"]["origin"], format!("{conf}:2"));
    assert_eq!(j["show-trace"]["origin"], "default");

    // --option wins over the file; extra- appends to what the file said.
    let j = env.json(&[
        "--option",
        "max-jobs",
        "auto",
        "--option",
        "extra-substituters",
        "file:///srv/c",
        "--option",
        "keep-failed",
        "false",
    ]);
    assert!(j["max-jobs"]["value"].as_u64().unwrap() >= 1);
    assert_eq!(j["max-jobs"]["origin"], "--option");
    assert_eq!(j["keep-failed"]["value"], false);
    assert_eq!(
        j["substituters"]["value"],
        serde_json::json!(["file:///srv/a", "file:///srv/b", "file:///srv/c"])
    );

    // `system` is the evaluator's currentSystem, as in Nix.
    let (out, _) = env.ok(&[
        "eval",
        "-E",
        "builtins.currentSystem",
        "--option",
        "system",
        "riscv64-linux",
    ]);
    assert_eq!(out.trim(), "\"riscv64-linux\"");

    // The option is global: it may come before the command.
    let (out, _) = env.ok(&["--option", "cores", "9", "show-config"]);
    assert!(out.lines().any(|l| l == "cores = 9"), "{out}");
}

#[test]
fn includes_are_relative_to_the_including_file() {
    let env = Env::new("include more/cores.conf\n!include absent.conf\n");
    fs::create_dir(env.dir.path().join("more")).unwrap();
    fs::write(env.dir.path().join("more/cores.conf"), "\ncores = 5\n").unwrap();
    let j = env.json(&[]);
    assert_eq!(j["cores"]["value"], 5);
    let origin = j["cores"]["origin"].as_str().unwrap();
    assert!(origin.ends_with("more/cores.conf:2"), "{origin}");
}

#[test]
fn unknown_settings_warn_and_bad_values_fail_with_their_place() {
    let env = Env::new("fancy-feature = yes\nmax-jobs = 2\n");
    let (out, err) = env.ok(&["show-config", "--option", "no-such-thing", "1"]);
    assert!(
        err.contains("warning: unknown setting 'fancy-feature'"),
        "{err}"
    );
    assert!(
        err.contains("warning: unknown setting 'no-such-thing'"),
        "{err}"
    );
    assert!(out.contains("max-jobs = 2"), "{out}");

    fs::write(env.conf(), "cores = 1\n\nmax-jobs = plenty\n").unwrap();
    let o = env.xnix(&["show-config"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let expected = format!(
        "{}:3: setting 'max-jobs': 'plenty' is not a number or 'auto'",
        env.conf().display()
    );
    assert!(err.contains(&expected), "{err}");

    // A bad --option is refused the same way, by every command.
    fs::write(env.conf(), "").unwrap();
    let o = env.xnix(&["eval", "-E", "1", "--option", "keep-failed", "maybe"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--option: setting 'keep-failed': 'maybe' is not 'true' or 'false'"),
        "{err}"
    );
}

const PROBE: &str = r#"
{ tag }:
derivation {
  name = "probe-${tag}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo $NIX_BUILD_CORES > $out; cat /probe/visible >> $out" ];
}
"#;

#[test]
fn settings_reach_a_build() {
    assert!(
        Path::new("/bin/busybox").is_file() || Path::new("/usr/bin/busybox").is_file(),
        "busybox-static is required (scripts/install-deps installs it)"
    );
    let env = Env::new("");
    let visible = env.dir.path().join("visible");
    fs::write(&visible, "from the host\n").unwrap();
    fs::write(env.dir.path().join("probe.nix"), PROBE).unwrap();
    fs::write(
        env.conf(),
        format!(
            "cores = 3\nmax-jobs = 2\nextra-sandbox-paths = /probe/visible={}\n",
            visible.display()
        ),
    )
    .unwrap();
    let build = |tag: &str, extra: &[&str]| -> String {
        let mut args = vec![
            "build",
            "probe.nix",
            "--argstr",
            "tag",
            tag,
            "--no-out-link",
        ];
        args.extend_from_slice(extra);
        let (out, _) = env.ok(&args);
        let path = out.trim().to_string();
        let real = env
            .dir
            .path()
            .join("root")
            .join(path.trim_start_matches('/'));
        fs::read_to_string(real).unwrap()
    };
    assert_eq!(build("file", &[]), "3\nfrom the host\n");
    assert_eq!(
        build(
            "option",
            &["--option", "cores", "1", "--option", "max-jobs", "1"]
        ),
        "1\nfrom the host\n"
    );
}
