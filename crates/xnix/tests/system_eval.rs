//! Evaluation tests of system configurations (`lib.nixosSystem`, pkgs/nixos):
//! which platforms the package set gets from the `nixpkgs.*` options, option
//! values and defaults, the generated scripts, and the errors for unknown
//! options, bad types, failed assertions and cyclic activation scripts.
//! Nothing is built: each test evaluates an expression with `xnix eval`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xnix sits two levels below the workspace root")
        .to_path_buf()
}

/// `expr` evaluated with `system` (a function of `modules`) and `lib` in scope.
fn eval(expr: &str) -> Result<serde_json::Value, String> {
    let full = format!(
        "let lib = import ./pkgs/lib; system = modules: lib.nixosSystem {{ inherit modules; }}; in {expr}"
    );
    let scratch = tempfile::tempdir().expect("scratch directory");
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .current_dir(workspace_root())
        .args(["eval", "--strict", "--json", "-E", &full])
        .env("XNIX_STORE_ROOT", scratch.path())
        .env("HOME", scratch.path())
        .env("NIX_PATH", "")
        .output()
        .expect("xnix runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked at"),
        "xnix crashed on {expr}:\n{stderr}"
    );
    if out.status.success() {
        serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("bad JSON from xnix ({e}): {:?}", out.stdout))
    } else {
        Err(stderr)
    }
}

fn eval_ok(expr: &str) -> serde_json::Value {
    eval(expr).unwrap_or_else(|e| panic!("{expr}\nfailed:\n{e}"))
}

fn eval_err(expr: &str) -> String {
    match eval(expr) {
        Ok(v) => panic!("{expr}\nshould fail, gave {v}"),
        Err(e) => e,
    }
}

/// build, host and target doubles of the configuration's package set.
const PLATFORMS: &str =
    "c: with c.pkgs.stdenv; [ buildPlatform.system hostPlatform.system (c.pkgs.stdenv.isCross) ]";

fn platforms(modules: &str) -> serde_json::Value {
    eval_ok(&format!("({PLATFORMS}) (system [ {modules} ])"))
}

#[test]
fn system_argument_is_a_native_build() {
    let v = eval_ok(&format!(
        "({PLATFORMS}) (lib.nixosSystem {{ system = \"x86_64-linux\"; modules = [ ]; }})"
    ));
    assert_eq!(
        v,
        serde_json::json!(["x86_64-linux", "x86_64-linux", false])
    );
}

#[test]
fn host_platform_alone_is_native_for_the_host() {
    let v = platforms(r#"{ nixpkgs.hostPlatform = "aarch64-linux"; }"#);
    assert_eq!(
        v,
        serde_json::json!(["aarch64-linux", "aarch64-linux", false])
    );
}

#[test]
fn build_platform_other_than_host_is_cross() {
    let v = platforms(
        r#"{ nixpkgs.buildPlatform = "x86_64-linux"; nixpkgs.hostPlatform = "aarch64-linux"; }"#,
    );
    assert_eq!(
        v,
        serde_json::json!(["x86_64-linux", "aarch64-linux", true])
    );
}

#[test]
fn same_build_and_host_platform_is_native() {
    let v = platforms(
        r#"{ nixpkgs.buildPlatform = "riscv64-linux"; nixpkgs.hostPlatform = "riscv64-linux"; }"#,
    );
    assert_eq!(
        v,
        serde_json::json!(["riscv64-linux", "riscv64-linux", false])
    );
}

#[test]
fn legacy_local_and_cross_system() {
    let v = platforms(
        r#"{ nixpkgs.localSystem = { system = "x86_64-linux"; }; nixpkgs.crossSystem = { config = "riscv64-unknown-linux-gnu"; }; }"#,
    );
    assert_eq!(
        v,
        serde_json::json!(["x86_64-linux", "riscv64-linux", true])
    );
}

#[test]
fn cross_system_as_catalogue_name() {
    let v = eval_ok(
        r#"(system [ { nixpkgs.localSystem = "x86_64-linux"; nixpkgs.crossSystem = "aarch64-multiplatform"; } ]).pkgs.stdenv.hostPlatform.config"#,
    );
    assert_eq!(v, "aarch64-unknown-linux-gnu");
}

#[test]
fn nixpkgs_system_option() {
    let v = platforms(r#"{ nixpkgs.system = "armv7l-linux"; }"#);
    assert_eq!(
        v,
        serde_json::json!(["armv7l-linux", "armv7l-linux", false])
    );
}

#[test]
fn option_values_are_elaborated_platforms() {
    let v = eval_ok(
        r#"let c = system [ { nixpkgs.hostPlatform = "aarch64-linux"; nixpkgs.buildPlatform = "x86_64-linux"; } ]; in
           [ c.config.nixpkgs.hostPlatform.config c.config.nixpkgs.buildPlatform.config c.config.nixpkgs.system ]"#,
    );
    assert_eq!(
        v,
        serde_json::json!([
            "aarch64-unknown-linux-gnu",
            "x86_64-unknown-linux-gnu",
            "aarch64-linux"
        ])
    );
}

#[test]
fn no_platform_is_an_error_saying_what_to_set() {
    let e = eval_err("(system [ ]).pkgs.stdenv.hostPlatform.system");
    assert!(
        e.contains("Neither nixpkgs.hostPlatform nor nixpkgs.system is set"),
        "{e}"
    );
}

#[test]
fn overlays_and_special_args_reach_the_package_set() {
    let v = eval_ok(
        r#"let c = lib.nixosSystem {
             system = "x86_64-linux";
             specialArgs = { extra = { marker = "from specialArgs"; }; };
             modules = [
               { nixpkgs.overlays = [ (final: prev: { greeting = "overlaid"; }) ]; }
               { nixpkgs.overlays = [ (final: prev: { greeting2 = final.greeting + "!"; }) ]; }
               ({ pkgs, extra, ... }: { environment.etc.marker.text = extra.marker + " " + pkgs.greeting2; })
             ];
           }; in c.config.environment.etc.marker.text"#,
    );
    assert_eq!(v, "from specialArgs overlaid!");
}

#[test]
fn nixpkgs_pkgs_is_used_as_given() {
    let v = eval_ok(
        r#"let p = import ./pkgs { localSystem = "x86_64-linux"; crossSystem = "riscv64-linux"; };
               c = system [ { nixpkgs.pkgs = p; } ]; in
           [ c.pkgs.stdenv.hostPlatform.system (c.pkgs.hello.drvPath == p.hello.drvPath) ]"#,
    );
    assert_eq!(v, serde_json::json!(["riscv64-linux", true]));
}

#[test]
fn nixpkgs_config_reaches_the_package_set() {
    let v = eval_ok(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ { nixpkgs.config.a.b = 1; } { nixpkgs.config.a.c = 2; } ]; }).pkgs.config.a"#,
    );
    assert_eq!(v, serde_json::json!({ "b": 1, "c": 2 }));
}

#[test]
fn users_and_etc_defaults() {
    let v = eval_ok(
        r#"let c = (lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             users.users.alice.isNormalUser = true;
             users.users.svc = { isSystemUser = true; group = "svc"; };
             users.groups.svc.gid = 900;
             environment.etc."a/b.conf" = { text = "x"; mode = "0600"; };
             networking.hostName = "board";
           } ]; }).config; in {
             alice = { inherit (c.users.users.alice) home group createHome; };
             svc = { inherit (c.users.users.svc) home createHome group; };
             gid = c.users.groups.svc.gid;
             etc = { inherit (c.environment.etc."a/b.conf") target mode user; };
             hostname = c.environment.etc.hostname.text;
             name = c.system.name;
           }"#,
    );
    assert_eq!(
        v,
        serde_json::json!({
            "alice": { "home": "/home/alice", "group": "users", "createHome": true },
            "svc": { "home": "/var/empty", "createHome": false, "group": "svc" },
            "gid": 900,
            "etc": { "target": "a/b.conf", "mode": "0600", "user": "+0" },
            "hostname": "board\n",
            "name": "board"
        })
    );
}

#[test]
fn systemd_unit_and_wants_link() {
    let v = eval_ok(
        r#"let c = (lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             systemd.services.web = {
               description = "A web server";
               after = [ "network.target" ];
               wantedBy = [ "multi-user.target" ];
               environment.MODE = "prod";
               serviceConfig = { Type = "simple"; Restart = "always"; RestartSec = 5; ExecStart = "/usr/bin/env true"; };
             };
             systemd.services.off = { enable = false; script = "true"; };
           } ]; }).config; in {
             unit = c.environment.etc."systemd/system/web.service".source.text;
             wants = c.environment.etc."systemd/system/multi-user.target.wants/web.service".source == c.environment.etc."systemd/system/web.service".source;
             off = c.environment.etc ? "systemd/system/off.service";
           }"#,
    );
    let unit = v["unit"].as_str().unwrap();
    for line in [
        "[Unit]",
        "Description=A web server",
        "After=network.target",
        "[Service]",
        "Environment=\"MODE=prod\"",
        "Environment=\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"",
        "ExecStart=/usr/bin/env true",
        "Restart=always",
        "RestartSec=5",
        "Type=simple",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "missing {line:?} in\n{unit}"
        );
    }
    assert_eq!(v["wants"], true);
    assert_eq!(v["off"], false);
}

#[test]
fn activation_scripts_run_after_their_deps() {
    let v = eval_ok(
        r#"let c = (lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             system.activationScripts = { a = { deps = [ "c" ]; text = "echo A"; }; b = "echo B"; c = { deps = [ "etc" ]; text = "echo C"; }; };
           } ]; }).config;
           text = c.system.build.activate;
           pos = s: builtins.stringLength (builtins.head (builtins.split s text));
         in map pos [ "---- activation script users" "---- activation script etc" "---- activation script c" "---- activation script a" "---- activation script b" ]"#,
    );
    let positions: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(
        positions, sorted,
        "order users, etc, c, a, b expected (each after its deps, else by name): {positions:?}"
    );
}

#[test]
fn activation_script_cycle_is_an_error() {
    let e = eval_err(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             system.activationScripts = { a = { deps = [ "b" ]; text = ""; }; b = { deps = [ "a" ]; text = ""; }; };
           } ]; }).config.system.build.activate"#,
    );
    assert!(
        e.contains("the dependencies form a cycle: a -> b -> a"),
        "{e}"
    );
    let e = eval_err(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             system.activationScripts.a = { deps = [ "missing" ]; text = ""; };
           } ]; }).config.system.build.activate"#,
    );
    assert!(
        e.contains("system.activationScripts.a depends on `missing', which is not defined"),
        "{e}"
    );
}

#[test]
fn unknown_option_names_the_file() {
    let e = eval_err(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ ./tests/system/typo-option.nix ]; }).config.networking.hostName"#,
    );
    assert!(
        e.contains("The option `networking.hostname' does not exist."),
        "{e}"
    );
    assert!(
        e.contains("- In `") && e.contains("tests/system/typo-option.nix': \"board\""),
        "{e}"
    );
    assert!(e.contains("Did you mean `networking.hostName'"), "{e}");
}

#[test]
fn wrong_type_names_option_type_and_file() {
    let e = eval_err(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ ./tests/system/bad-type.nix ]; }).config.networking.hostName"#,
    );
    assert!(
        e.contains("A definition for option `networking.hostName' is not of type `string matching the pattern"),
        "{e}"
    );
    assert!(e.contains("tests/system/bad-type.nix': 5"), "{e}");
}

#[test]
fn failed_assertions_stop_the_toplevel() {
    let e = eval_err(
        r#"(lib.nixosSystem { system = "x86_64-linux"; modules = [ {
             users.users.both = { isNormalUser = true; isSystemUser = true; };
             environment.etc.one = { target = "same"; text = "1"; };
             environment.etc.two = { target = "same"; text = "2"; };
           } ]; }).config.system.build.toplevel.drvPath"#,
    );
    assert!(e.contains("Failed assertions:"), "{e}");
    assert!(
        e.contains("Exactly one of users.users.both.isSystemUser and users.users.both.isNormalUser must be set."),
        "{e}"
    );
    assert!(
        e.contains("environment.etc: 2 entries have the target \"same\""),
        "{e}"
    );
}

#[test]
fn extend_modules_keeps_pkgs() {
    let v = eval_ok(
        r#"let c = lib.nixosSystem { system = "x86_64-linux"; modules = [ { networking.hostName = "a"; } ]; };
               d = c.extendModules { modules = [ { networking.hostName = lib.mkForce "b"; } ]; }; in
           [ c.config.networking.hostName d.config.networking.hostName d.pkgs.stdenv.hostPlatform.system
             (lib.xnixSystem { system = "x86_64-linux"; modules = [ ]; }).config.networking.hostName ]"#,
    );
    assert_eq!(v, serde_json::json!(["a", "b", "x86_64-linux", "nixos"]));
}

/// The toplevel's .drv path as Nix 2.8 computes it for the same expression
/// (lib.systems answered through tests/pkgs/nix-platform-shim.nix, which asks
/// `xnix platform show`), and as xnix does: they must be equal.
#[test]
fn toplevel_drv_path_equals_nix() {
    for args in [
        "{ }",
        r#"{ hostPlatform = "aarch64-linux"; buildPlatform = "x86_64-linux"; }"#,
    ] {
        let expr = format!(
            "(import ./tests/system/hello-system.nix {args}).config.system.build.toplevel.drvPath"
        );
        let scratch = tempfile::tempdir().expect("scratch directory");
        let nix = Command::new("nix-instantiate")
            .current_dir(workspace_root())
            .args(["--eval", "--readonly-mode"])
            .args([
                "--option",
                "allow-unsafe-native-code-during-evaluation",
                "true",
            ])
            .args(["-I", "xnix-dev-shim=tests/pkgs/nix-platform-shim.nix"])
            .args(["-E", &expr])
            .env("XNIX_BIN", env!("CARGO_BIN_EXE_xnix"))
            .env("HOME", scratch.path())
            .env("NIX_PATH", "")
            .output()
            .expect("nix-instantiate runs");
        assert!(
            nix.status.success(),
            "nix-instantiate failed on {expr}:\n{}",
            String::from_utf8_lossy(&nix.stderr)
        );
        let xnix = Command::new(env!("CARGO_BIN_EXE_xnix"))
            .current_dir(workspace_root())
            .args(["eval", "-E", &expr])
            .env("XNIX_STORE_DIR", "/nix/store")
            .env("XNIX_STORE_ROOT", scratch.path())
            .env("HOME", scratch.path())
            .output()
            .expect("xnix runs");
        assert!(
            xnix.status.success(),
            "{}",
            String::from_utf8_lossy(&xnix.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&xnix.stdout),
            String::from_utf8_lossy(&nix.stdout),
            "drvPath of {expr}"
        );
    }
}
