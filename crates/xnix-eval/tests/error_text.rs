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

#[test]
fn duplicate_attributes_name_the_path_and_the_other_definition() {
    assert_eq!(
        first_line("{ a = 1; a = 2; }"),
        "error: attribute 'a' already defined at (string):1:3"
    );
    assert_eq!(
        first_line("{ a.b.c = 1; a.b.c = 2; }"),
        "error: attribute 'a.b.c' already defined at (string):1:3"
    );
    assert_eq!(
        first_line("{ a.\"x y\" = 1; a.\"x y\" = 2; }"),
        "error: attribute 'a.\"x y\"' already defined at (string):1:3"
    );
    assert_eq!(
        first_line("let x = \"a\"; in { a = 1; ${x} = 2; }"),
        "error: dynamic attribute 'a' already defined at (string):1:19"
    );
    // Merging a literal set into an existing one reports the bare name at the new one.
    assert_eq!(
        first_line("{ a.b = 1; a = { b = 2; }; }"),
        "error: attribute 'b' already defined at (string):1:18"
    );
    assert_eq!(
        first_line("{ a.b.c = 1; a.b = { d = 2; c = 3; }; }"),
        "error: attribute 'c' already defined at (string):1:29"
    );
}

#[test]
fn failed_assertions_show_the_condition_as_nix_prints_its_syntax_tree() {
    assert_eq!(
        first_line("assert 1 == 2; 1"),
        "error: assertion '(1 == 2)' failed"
    );
    assert_eq!(
        first_line("let x = 1; in assert builtins.isString x; x"),
        "error: assertion '((builtins).isString x)' failed"
    );
    assert_eq!(
        first_line("assert 1 <= 0 || -1 > 0; 1"),
        "error: assertion '((! (__lessThan 0 1)) || (__lessThan 0 (__sub 0 1)))' failed"
    );
    assert_eq!(
        first_line("assert { a = 1; }.a or 2 == 3; 1"),
        "error: assertion '(({ a = 1; }).a or (2) == 3)' failed"
    );
    assert_eq!(
        first_line("assert \"a${toString 1}\" == [ 1.5 ]; 1"),
        "error: assertion '((\"a\" + (toString 1)) == [ (1.5) ])' failed"
    );
    assert_eq!(
        first_line("assert ({ a, b ? 1, ... }@args: a) { a = 2; } == 1; 1"),
        "error: assertion '((({ a, b ? 1, ... } @ args: a) { a = 2; }) == 1)' failed"
    );
}

#[test]
fn builtin_messages_name_the_call() {
    assert_eq!(
        first_line("builtins.getAttr \"y\" {}"),
        "error: attribute 'y' missing for call to 'getAttr'"
    );
    assert_eq!(
        first_line("builtins.listToAttrs [ { name = \"a\"; } ]"),
        "error: attribute 'value' missing for call to 'listToAttrs'"
    );
    assert_eq!(
        first_line("builtins.genericClosure { startSet = []; }"),
        "error: attribute 'operator' missing for call to 'genericClosure'"
    );
    assert_eq!(
        first_line("builtins.head []"),
        "error: list index 0 is out of bounds"
    );
    assert_eq!(
        first_line("builtins.functionArgs 1"),
        "error: 'functionArgs' requires a function"
    );
    assert_eq!(
        first_line("builtins.ceil \"x\""),
        "error: value is a string while a float was expected"
    );
    assert_eq!(
        first_line(
            "builtins.genericClosure { startSet = [ { key = 1; } { key = \"a\"; } ]; operator = x: [ ]; }"
        ),
        "error: cannot compare a string with an integer"
    );
}

#[test]
fn reading_a_directory_as_a_file_fails_in_the_read() {
    assert_eq!(
        first_line("builtins.readFile /tmp"),
        "error: reading from file: Is a directory"
    );
    assert_eq!(
        first_line("builtins.hashFile \"sha256\" /tmp"),
        "error: reading from file: Is a directory"
    );
}

#[test]
fn store_related_messages_use_nix_words() {
    assert_eq!(
        first_line(
            "derivation { name = \"x\"; system = \"x\"; builder = \"/bin/sh\"; outputHash = \"abc\"; outputHashAlgo = \"sha256\"; }"
        ),
        "error: hash 'abc' has wrong length for hash type 'sha256'"
    );
    let to_file = first_line(
        "builtins.toFile \"b\" \"${derivation { name = \"d\"; system = \"x\"; builder = \"/bin/sh\"; }}\"",
    );
    assert!(
        to_file.starts_with(
            "error: in 'toFile': the file named 'b' must not contain a reference to a derivation but contains (!out!/"
        ) && to_file.ends_with("-d.drv)"),
        "{to_file}"
    );
    let name = first_line(
        "(derivation { name = \"x-${builtins.toFile \"a\" \"b\"}\"; system = \"x\"; builder = \"/bin/sh\"; }).outPath",
    );
    assert!(
        name.starts_with("error: the string 'x-/")
            && name.contains("' is not allowed to refer to a store path (such as '"),
        "{name}"
    );
}

/// Nix keeps attributes in symbol order (creation order of names), not by name: forcing a
/// whole value and checking a call's arguments meet the failures in that order.
#[test]
fn failures_are_met_in_nix_symbol_order() {
    assert_eq!(
        first_line("{ zzb = throw \"b\"; zza = throw \"a\"; }"),
        "error: b"
    );
    assert_eq!(
        first_line("{ zzz = throw \"z\"; name = throw \"n\"; }"),
        "error: n"
    );
    assert_eq!(
        first_line("builtins.deepSeq { y2 = throw \"y\"; x2 = throw \"x\"; } 1"),
        "error: y"
    );
    assert_eq!(
        first_line("{ qb = throw \"b\"; qa = throw \"a\"; } == { qb = 1; qa = 2; }"),
        "error: b"
    );
    assert_eq!(
        first_line("({ zz, map }: 1) {}"),
        "error: anonymous function at (string):1:2 called without required argument 'map'"
    );
    assert_eq!(
        first_line("({ }: 1) { zb = 1; za = 2; }"),
        "error: anonymous function at (string):1:2 called with unexpected argument 'zb'"
    );
}

#[test]
fn lambdas_in_the_body_of_a_named_lambda_share_its_name() {
    assert_eq!(
        first_line("let f = x: ({ a }: a); in f 1 {}"),
        "error: 'f' at (string):1:13 called without required argument 'a'"
    );
    assert_eq!(
        first_line("let f = x: [ ({ a }: a) ]; in builtins.head (f 1) {}"),
        "error: anonymous function at (string):1:15 called without required argument 'a'"
    );
}

#[test]
fn fetchers_take_strings_without_context() {
    assert_eq!(
        first_line("builtins.fetchTarball 1"),
        "error: value is an integer while a string was expected"
    );
    assert_eq!(
        first_line("builtins.fetchurl { url = ./foo; }"),
        "error: value is a path while a string was expected"
    );
}

#[test]
fn arithmetic_names_the_type_nix_wanted() {
    assert_eq!(
        first_line("4 / null"),
        "error: value is null while a float was expected"
    );
    assert_eq!(
        first_line("null * 4.0"),
        "error: value is null while a float was expected"
    );
    assert_eq!(
        first_line("null - 4"),
        "error: value is null while an integer was expected"
    );
    assert_eq!(
        first_line("builtins.add 1 null"),
        "error: value is null while an integer was expected"
    );
}

#[test]
fn symbols_in_messages_are_quoted_unless_identifiers() {
    assert_eq!(
        first_line("builtins.getAttr \"x y\" {}"),
        "error: attribute '\"x y\"' missing for call to 'getAttr'"
    );
    assert_eq!(
        first_line("({ a }: a) { \"b c\" = 1; a = 1; }"),
        "error: anonymous function at (string):1:2 called with unexpected argument '\"b c\"'"
    );
    assert_eq!(
        first_line("builtins.appendContext \"x\" { outPath = \"/o\"; }"),
        "error: Context key 'outPath' is not a store path"
    );
    assert_eq!(
        first_line("builtins.path { outPath = \"/o\"; }"),
        "error: unsupported argument 'outPath' to 'addPath'"
    );
    assert_eq!(
        first_line("builtins.filterSource null /tmp"),
        "error: first argument in call to 'filterSource' is not a function but null"
    );
}

#[test]
fn hashes_without_a_known_type_are_reported_as_nix_does() {
    assert_eq!(
        first_line(
            "(derivation { name = \"n\"; system = \"x\"; builder = \"/bin/sh\"; outputHashAlgo = \"crc\"; outputHash = \"00\"; }).drvPath"
        ),
        "error: hash '00' does not include a type, nor is the type otherwise known from context"
    );
}
