//! Every command and subcommand of `xnix` has `--help` with examples: the
//! commands are found by walking the "Commands:" lists of the help texts
//! themselves, so a new command without examples fails here.

use std::process::Command;

fn help(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xnix"))
        .args(path)
        .arg("--help")
        .output()
        .expect("running xnix");
    assert!(
        out.status.success(),
        "xnix {} --help failed: {}",
        path.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The subcommand names listed under "Commands:" (without clap's `help`).
fn subcommands(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        if line.trim_end() == "Commands:" {
            in_list = true;
            continue;
        }
        if in_list {
            // Entries are indented by two spaces; descriptions that wrap are indented further.
            if line.is_empty() || !line.starts_with(' ') {
                break;
            }
            if line.starts_with("  ") && !line.starts_with("   ") {
                if let Some(name) = line.split_whitespace().next() {
                    if name != "help" {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    names
}

/// Whether the help has an `Examples:` section whose first example runs xnix.
fn has_examples(text: &str) -> bool {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != "Examples:");
    lines.next().is_some()
        && lines
            .next()
            .is_some_and(|l| l.starts_with("  ") && l.contains("xnix"))
}

#[test]
fn every_command_has_help_with_examples() {
    let mut stack: Vec<Vec<String>> = vec![vec![]];
    let mut checked = Vec::new();
    let mut missing = Vec::new();
    while let Some(path) = stack.pop() {
        let text = help(&path);
        if !has_examples(&text) {
            missing.push(format!("xnix {}", path.join(" ")));
        }
        for sub in subcommands(&text) {
            let mut p = path.clone();
            p.push(sub);
            stack.push(p);
        }
        checked.push(path.join(" "));
    }
    // The walk found the commands (it would pass vacuously otherwise).
    for known in [
        "build",
        "run",
        "store",
        "store gc",
        "platform show",
        "doctor",
    ] {
        assert!(
            checked.iter().any(|c| c == known),
            "'{known}' not found: {checked:?}"
        );
    }
    assert!(missing.is_empty(), "no examples in --help of: {missing:?}");
}

#[test]
fn examples_sections_are_recognised() {
    assert!(has_examples("x\n\nExamples:\n  xnix build -A hello\n"));
    assert!(has_examples("Examples:\n  ssh board xnix serve --stdio\n"));
    assert!(!has_examples("Examples:\n\nnothing\n"));
    assert!(!has_examples("Usage: xnix log PATH\n"));
}

#[test]
fn the_command_list_parser_skips_wrapped_descriptions() {
    let text = "Commands:\n  add     Add things\n          that wrap\n  gc      Collect\n  help    Print\n\nOptions:\n  -h\n";
    assert_eq!(subcommands(text), ["add", "gc"]);
}
