//! The text of failures as `nix-instantiate --eval` shows it: the first line of the error
//! (what tools and people compare), the layout of multi-line messages, type names in
//! messages, and the partial output of `--json` when converting fails part way. Expected
//! texts are what Nix 2.8 printed for the same expressions.

use xnix_eval::{with_big_stack, Evaluator, Pos};

/// Evaluate `src` strictly and return the error as `nix-instantiate` renders it.
fn error_text(src: &'static str) -> String {
    with_big_stack(move || {
        let ev = Evaluator::new();
        let r = ev.eval_expr(src, "/tmp").and_then(|v| ev.force_deep(v));
        match r {
            Ok(_) => panic!("for {src}: expected an error"),
            Err(e) => ev.format_error(&e, false),
        }
    })
}

fn first_line(src: &'static str) -> String {
    error_text(src)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn multi_line_messages_are_indented_and_trimmed_per_line() {
    let text = error_text("throw \"first line \\n  second  \\n\\nfourth\\n\\n\"");
    let expected = "error: first line\n         second\n\n       fourth";
    assert!(
        text.starts_with(expected),
        "got {text:?}, expected it to start with {expected:?}"
    );
    // Nothing of the message's trailing blank lines is left before the position.
    assert!(!text.starts_with(&format!("{expected}\n\n\n")), "{text:?}");
}

#[test]
fn type_names_in_messages_name_builtins_and_context() {
    assert_eq!(
        first_line("builtins.toJSON builtins.map"),
        "error: cannot convert the built-in function 'map' to JSON"
    );
    assert_eq!(
        first_line("1 + (builtins.map (x: x))"),
        "error: cannot add the partially applied built-in function 'map' to an integer"
    );
    assert_eq!(
        first_line("builtins.length \"${builtins.toFile \"a\" \"b\"}\""),
        "error: value is a string with context while a list was expected"
    );
    assert_eq!(
        first_line("1 + \"${builtins.toFile \"a\" \"b\"}\""),
        "error: cannot add a string with context to an integer"
    );
}

/// `--json` output streams: on failure Nix has printed the text so far, and every object
/// and list still open is closed while the error unwinds.
fn partial_json(src: &'static str) -> String {
    with_big_stack(move || {
        let ev = Evaluator::new();
        let v = ev
            .eval_expr(src, "/tmp")
            .expect("parses and evaluates lazily");
        let mut out = String::new();
        let mut ctx = Vec::new();
        let r = ev.to_json_into(v, Pos::NONE, true, &mut ctx, &mut out);
        assert!(r.is_err(), "for {src}: expected the conversion to fail");
        out
    })
}

#[test]
fn failed_json_keeps_partial_text_with_closers() {
    assert_eq!(partial_json("{ x = throw \"boom\"; }"), "{\"x\":}");
    assert_eq!(
        partial_json("{ a = [ 1 { b = throw \"no\"; } ]; z = 1; }"),
        "{\"a\":[1,{\"b\":}]}"
    );
    assert_eq!(partial_json("[ 1 (x: x) 3 ]"), "[1,]");
}
