//! `xnix repl` against `nix repl` (Nix 2.8): the same input lines piped into both, the
//! transcripts compared. Both echo the prompt and each line read when input is a pipe, print
//! values on stdout and notices and errors on stderr; the comparison merges the two streams into
//! one file (so their order counts), strips `nix repl`'s colours (xnix colours only a terminal)
//! and replaces the welcome line, which names the program.
//!
//! A plain `derivation { ... }` has the same `.drv` path in both when xnix uses the store
//! directory /nix/store, so derivations print identically; `:b` builds into a scratch root.

use xnix_test_support::unique_salt;

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const XNIX: &str = env!("CARGO_BIN_EXE_xnix");

/// Nix settings for the reference: no binary cache (there is no network), no sandbox so the
/// builder's `/bin/sh` is the host's.
const NIX_CONFIG: &str = "sandbox = false\nsubstituters =\n";

/// Which streams a transcript holds.
#[derive(Clone, Copy)]
enum Streams {
    /// stdout and stderr interleaved, as a terminal shows them.
    Merged,
    /// stdout only (for `:b`, whose build progress on stderr differs by design).
    Stdout,
}

/// Run `program args` in `dir` with `input` on stdin; the transcript, normalised.
fn transcript(mut cmd: Command, dir: &Path, input: &str, streams: Streams) -> String {
    let out_file = dir.join(format!("transcript-{}", std::process::id()));
    let out = File::create(&out_file).unwrap();
    cmd.current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(out.try_clone().unwrap());
    match streams {
        Streams::Merged => cmd.stderr(out),
        Streams::Stdout => cmd.stderr(Stdio::null()),
    };
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} (Nix 2.8 is required: scripts/install-deps test): {e}")
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{cmd:?} exited with {status}");
    let text = fs::read_to_string(&out_file).unwrap();
    fs::remove_file(&out_file).unwrap();
    normalise(&text)
}

/// Drop ANSI colour sequences and give the welcome line one wording.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out.lines()
        .map(|l| {
            if l.starts_with("Welcome to ") && l.ends_with(". Type :? for help.") {
                "Welcome. Type :? for help."
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn nix_repl(dir: &Path, args: &[&str], input: &str, streams: Streams) -> String {
    let mut cmd = Command::new("nix");
    cmd.arg("repl")
        .args(args)
        .env("NIX_CONFIG", NIX_CONFIG)
        .env("EDITOR", "cat")
        .env_remove("NIX_PATH")
        .env_remove("NIX_STORE_DIR");
    transcript(cmd, dir, input, streams)
}

fn xnix_repl(dir: &Path, args: &[&str], input: &str, streams: Streams) -> String {
    let mut cmd = Command::new(XNIX);
    cmd.args(["--store-dir", "/nix/store", "--store-root"])
        .arg(dir.join("root"))
        .arg("repl")
        .args(args)
        .env("NO_COLOR", "1")
        .env("EDITOR", "cat")
        .env_remove("NIX_PATH")
        .env_remove("XNIX_STATE_DIR");
    transcript(cmd, dir, input, streams)
}

/// Both REPLs on the same input, compared.
fn same_transcript(dir: &Path, args: &[&str], input: &str, streams: Streams) -> String {
    let nix = nix_repl(dir, args, input, streams);
    let xnix = xnix_repl(dir, args, input, streams);
    assert_eq!(
        xnix, nix,
        "xnix repl (left) and nix repl (right) differ on input:\n{input}"
    );
    nix
}

const DRV: &str = r#"derivation { name = "x"; builder = "/bin/sh"; system = "x86_64-linux"; }"#;

#[test]
fn derivations_print_as_their_drv_path_at_every_depth() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!(
        "d = {DRV}\nd\n{{ a = d; }}\n[ d ]\n{{ a = {{ b = d; }}; }}\n[ [ d ] ]\n:p d\n:p {{ a = d; }}\n\
         :p [ d ]\n:p {{ a = {{ b = [ d ]; }}; }}\n:t d\nd.name\n"
    );
    let t = same_transcript(dir.path(), &[], &input, Streams::Merged);
    assert!(t.contains("«derivation /nix/store/"), "{t}");
}

#[test]
fn values_print_as_nix_repl_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = r#"1.5
true
null
"a\nb"
:p "a\nb"
x: x
builtins.map
builtins.map (x: x)
{ a = 1; b = "s"; c = null; d = x: x; e = builtins.map; g = 1.5; "a b" = 2; }
{ a = { b = 1; }; l = [ 1 ]; }
[ 1 [ 2 ] { } ]
:p { a = { b = [ 1 { c = 2; } ]; }; }
let x = { a = x; }; in x
:p let x = { a = x; }; in x
:p let a = [ 1 ]; in [ a a ]
:p let a = { x = 1; }; b = a; in [ a b ]
:p [ { } { } [ ] [ ] ]
:p let s = { q = 1; }; in { a = s; b = s; c = [ s ]; }
:p let s = { q = 1; }; in { a = s; b = (x: x) s; }
:p let s = { q = 1; }; in [ s ((x: x) s) s ]
:p let s = [ 1 ]; in { a = s; b = [ s ]; c = (x: x) s; }
:p let s = { q = 1; }; in { a = s; b = { c = s; }; }
:p let x = { a = x; }; in [ x x ]
{ a = 1.0e10; b = -0.0; c = 1.0e-5; }
{ "" = 1; "1a" = 2; a-b = 3; "a.b" = 4; }
let f = { a ? 1 }: a; in f
:p [ (x: x) ]
[ (assert false; 1) ]
:t 1
:t "s"
:t x: x
:t builtins.map
:t builtins.head
:t null
:t [ ]
:t 1.0
:t true
:t { }
"#;
    let t = same_transcript(dir.path(), &[], input, Streams::Merged);
    assert!(
        t.contains("nix-repl> x: x\n«lambda @ (string):1:1»\n"),
        "{t}"
    );
}

#[test]
fn variables_commands_and_errors_match() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.nix"), "{ x = 1; y = x: x + 1; }").unwrap();
    fs::write(dir.path().join("g.nix"), "{ pkgs ? 4 }: { p = pkgs; }").unwrap();
    let input = r#"
a = 1
a
b = a + 1
b
a = 10
b
c = 1 +
:a { z = 1; w = 2; }
z
:a 1
:l ./f.nix
y x
:l ./g.nix
p
q = 3
:r
q
x
foo
1 +
2
:p { a = 1; } //
{ b = 2; }
{ a = 1 }
:x
:b 1
:b { }
:st
:st
:st maybe
:q
1
"#;
    let t = same_transcript(dir.path(), &[], input, Streams::Merged);
    assert!(t.contains("Added 2 variables."), "{t}");
}

#[test]
fn files_on_the_command_line_are_loaded_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.nix"), "{ x = 1; y = 2; }").unwrap();
    fs::write(dir.path().join("g.nix"), "{ }: { z = 3; }").unwrap();
    fs::write(
        dir.path().join("h.nix"),
        "{ n ? 1, s ? \"d\" }: { inherit n s; }",
    )
    .unwrap();
    let input = "x\nz\nv = 5\n:r\nv\ny\n:l ./h.nix\nn\ns\n";
    let t = same_transcript(
        dir.path(),
        &[
            "./f.nix", "./g.nix", "--arg", "n", "2 + 3", "--argstr", "s", "hi",
        ],
        input,
        Streams::Merged,
    );
    assert!(t.contains("nix-repl> s\n\"hi\"\n"), "{t}");
    assert!(t.contains("Loading './g.nix'..."), "{t}");
}

/// `:e` runs `$EDITOR` (here `cat`, so the file shows in the transcript) on the file a
/// function, a package (its `meta.position`) or a path comes from, then reloads.
#[test]
fn edit_shows_the_source_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.nix");
    fs::write(
        &file,
        format!(
            "{{\n  f = x: x;\n  p = {{ meta.position = \"{}:3\"; type = \"derivation\"; \
             drvPath = \"/nix/store/x\"; }};\n  q = {{ meta = {{ }}; }};\n}}\n",
            file.display()
        ),
    )
    .unwrap();
    let input = ":l ./e.nix\nv = 1\n:e f\nv\n:e p\n:e ./e.nix\n:e q\n:e 1\n";
    let t = same_transcript(dir.path(), &[], input, Streams::Merged);
    assert!(t.contains("  q = { meta = { }; };"), "{t}");
}

#[test]
fn build_command_prints_the_outputs_as_nix_repl() {
    let dir = tempfile::tempdir().unwrap();
    let salt = unique_salt();
    let input = format!(
        "d = derivation {{ name = \"repl-b\"; salt = \"{salt}\"; builder = \"/bin/sh\"; \
         args = [ \"-c\" \"echo log line; echo hi > $out; echo dev > $dev\" ]; outputs = [ \"out\" \"dev\" ]; \
         system = \"x86_64-linux\"; }}\n:b d\n:b d\nd.outPath\n:log d\n"
    );
    let t = same_transcript(dir.path(), &[], &input, Streams::Stdout);
    assert!(
        t.contains("This derivation produced the following outputs:\n  dev -> /nix/store/"),
        "{t}"
    );
    assert!(t.contains("nix-repl> :log d\nlog line\n"), "{t}");
    // The output really is in xnix's store.
    let out_path = t
        .lines()
        .find_map(|l| l.strip_prefix("  out -> "))
        .expect("an out line");
    let physical = dir
        .path()
        .join("root")
        .join(out_path.trim_start_matches('/'));
    assert_eq!(fs::read_to_string(physical).unwrap(), "hi\n");
}

/// Import from derivation in the REPL: `import` and `readFile` of an output build it, as
/// in `nix repl`.
#[test]
fn reading_an_output_builds_it_as_nix_repl_does() {
    let dir = tempfile::tempdir().unwrap();
    let salt = unique_salt();
    let input = format!(
        "d = derivation {{ name = \"repl-ifd-{salt}\"; builder = \"/bin/sh\"; \
         args = [ \"-c\" \"echo '{{ x = 42; }}' > $out\" ]; system = \"x86_64-linux\"; }}\n\
         (import d).x\nbuiltins.readFile d\n"
    );
    let t = same_transcript(dir.path(), &[], &input, Streams::Stdout);
    assert!(t.contains("42\n"), "{t}");
    assert!(t.contains("\"{ x = 42; }\\n\""), "{t}");
}

/// The package collection: a package prints as the derivation `xnix instantiate` writes.
#[test]
fn collection_packages_print_as_derivations() {
    let dir = tempfile::tempdir().unwrap();
    let t = xnix_repl(
        dir.path(),
        &["<xnixpkgs>"],
        "hello\n[ hello ]\n:p { a = hello; }\n",
        Streams::Merged,
    );
    let inst = Command::new(XNIX)
        .args(["--store-dir", "/nix/store", "eval", "-E"])
        .arg("(import <xnixpkgs> { }).hello.drvPath")
        .env_remove("NIX_PATH")
        .output()
        .unwrap();
    assert!(inst.status.success(), "{inst:?}");
    let printed = String::from_utf8(inst.stdout).unwrap();
    let drv = printed.trim().trim_matches('"');
    assert!(drv.ends_with(".drv"), "{printed}");
    for expected in [
        format!("nix-repl> hello\n«derivation {drv}»\n"),
        format!("nix-repl> [ hello ]\n[ «derivation {drv}» ]\n"),
        format!("nix-repl> :p {{ a = hello; }}\n{{ a = «derivation {drv}»; }}\n"),
    ] {
        assert!(t.contains(&expected), "missing {expected:?} in:\n{t}");
    }
}

/// Every package set has `system`, its host platform's double, as in nixpkgs.
#[test]
fn package_sets_have_their_system() {
    let dir = tempfile::tempdir().unwrap();
    let t = xnix_repl(
        dir.path(),
        &["<xnixpkgs>"],
        "system == builtins.currentSystem\npkgsCross.riscv64.system\npkgsCross.aarch64-multiplatform.buildPackages.system == system\n",
        Streams::Merged,
    );
    for expected in [
        "nix-repl> system == builtins.currentSystem\ntrue\n",
        "nix-repl> pkgsCross.riscv64.system\n\"riscv64-linux\"\n",
        "nix-repl> pkgsCross.aarch64-multiplatform.buildPackages.system == system\ntrue\n",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in:\n{t}");
    }
    // `-f FILE` / `--file FILE` load as a positional FILE does.
    for flag in ["-f", "--file"] {
        let t = xnix_repl(
            dir.path(),
            &[flag, "<xnixpkgs>"],
            "pkgsCross.riscv64.system\n",
            Streams::Merged,
        );
        let expected = "nix-repl> pkgsCross.riscv64.system\n\"riscv64-linux\"\n";
        assert!(
            t.contains(expected),
            "{flag}: missing {expected:?} in:\n{t}"
        );
    }
}

/// The seeds' idioms: `<nixpkgs>` with no `nixpkgs` entry in the search path is the bundled
/// collection, with a notice saying so (once); an entry of the user's own wins, with no notice;
/// `__targetPackages` is the set whose `buildPackages` is this one.
#[test]
fn nixpkgs_falls_back_to_the_collection_and_target_packages_link_back() {
    let dir = tempfile::tempdir().unwrap();
    let t = xnix_repl(
        dir.path(),
        &["<nixpkgs>"],
        "pkgsCross.riscv64.system\n(import <nixpkgs> { }).system == system\n__targetPackages.buildPackages.system == system\npkgsCross.riscv64.__targetPackages.system\n",
        Streams::Merged,
    );
    for expected in [
        "nix-repl> pkgsCross.riscv64.system\n\"riscv64-linux\"\n",
        "nix-repl> (import <nixpkgs> { }).system == system\ntrue\n",
        "nix-repl> __targetPackages.buildPackages.system == system\ntrue\n",
        "nix-repl> pkgsCross.riscv64.__targetPackages.system\n\"riscv64-linux\"\n",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in:\n{t}");
    }
    assert_eq!(
        t.matches("notice: <nixpkgs> is not in the search path")
            .count(),
        1,
        "the fallback notice once:\n{t}"
    );

    // `-I nixpkgs=DIR`: the user's own entry, no notice.
    let own = dir.path().join("own");
    fs::create_dir_all(&own).unwrap();
    fs::write(own.join("default.nix"), "{ ... }: { mine = true; }\n").unwrap();
    let t = xnix_repl(
        dir.path(),
        &["-I", &format!("nixpkgs={}", own.display())],
        "(import <nixpkgs> { }).mine\n",
        Streams::Merged,
    );
    assert!(
        t.contains("nix-repl> (import <nixpkgs> { }).mine\ntrue\n"),
        "{t}"
    );
    assert!(!t.contains("notice:"), "{t}");
}

/// Every command `nix repl` lists in `:?` is listed by xnix too, as available or not supported.
#[test]
fn help_lists_every_nix_repl_command() {
    let dir = tempfile::tempdir().unwrap();
    let commands = |help: &str| -> Vec<String> {
        help.lines()
            .filter_map(|l| l.trim_start().strip_prefix(':'))
            .map(|rest| {
                let word: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != ',')
                    .collect();
                format!(":{word}")
            })
            .collect()
    };
    let nix = nix_repl(dir.path(), &[], ":?\n", Streams::Stdout);
    let xnix = xnix_repl(dir.path(), &[], ":?\n", Streams::Stdout);
    let nix_commands = commands(&nix);
    assert!(nix_commands.len() > 10, "{nix}");
    let xnix_help = xnix.replace(", :", "\n  :");
    let xnix_commands = commands(&xnix_help);
    for c in &nix_commands {
        assert!(
            xnix_commands.contains(c),
            "`{c}` from nix repl's help is missing in xnix's:\n{xnix}"
        );
    }
}
