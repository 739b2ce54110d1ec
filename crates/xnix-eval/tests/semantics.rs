//! Unit tests of the tricky parts of the language. Expected outputs are what Nix 2.8's
//! `nix-instantiate --eval --strict` prints for the same expression.

use xnix_eval::{print_value, with_big_stack, ErrorKind, Evaluator};

fn eval_strict(src: &'static str) -> Result<String, String> {
    with_big_stack(move || {
        let ev = Evaluator::new();
        let r = ev.eval_expr(src, "/tmp").and_then(|v| ev.force_deep(v));
        r.map(|v| print_value(&v))
            .map_err(|e| e.message().to_string())
    })
}

fn ok(src: &'static str, expected: &str) {
    assert_eq!(eval_strict(src), Ok(expected.to_string()), "for {src}");
}

fn err(src: &'static str, expected: &str) {
    match eval_strict(src) {
        Err(m) => assert!(
            m.contains(expected),
            "for {src}: error {m:?} lacks {expected:?}"
        ),
        Ok(v) => panic!("for {src}: expected an error, got {v}"),
    }
}

#[test]
fn lexical_scope_beats_with() {
    ok("let a = 5; in with { a = 1; }; a", "5");
    ok("with { a = 1; }; with { a = 2; }; a", "2");
    ok("with { a = 1; }; with { b = 2; }; a", "1");
    ok("with { true = 1; }; true", "true");
}

#[test]
fn rec_let_and_inherit() {
    ok("rec { a = 1; b = a + 1; }", "{ a = 1; b = 2; }");
    ok(
        "let x = 1; in rec { inherit x; y = x; }",
        "{ x = 1; y = 1; }",
    );
    ok("let inherit ({ a = 1; b = 2; }) a b; in a + b", "3");
    ok("let a = 1; in let a = a; in 2", "2");
    err("let x = x; in x", "infinite recursion encountered");
}

#[test]
fn nested_and_dynamic_attributes() {
    ok("{ a.b = 1; a.c = 2; }", "{ a = { b = 1; c = 2; }; }");
    ok("{ a = { b = 1; }; a.c = 2; }", "{ a = { b = 1; c = 2; }; }");
    ok(
        "let x = \"k\"; in { ${x} = 1; \"${x}2\" = 2; }",
        "{ k = 1; k2 = 2; }",
    );
    ok("{ ${null} = 1; a = 2; }", "{ a = 2; }");
    err("{ a = 1; a = 2; }", "already defined");
}

#[test]
fn lambdas_and_formals() {
    ok("({ a, b ? a + 1 }: b) { a = 1; }", "2");
    ok(
        "(args@{ a, ... }: args) { a = 1; b = 2; }",
        "{ a = 1; b = 2; }",
    );
    ok("({ a, ... }@args: a) { a = 3; c = 1; }", "3");
    err("({ a }: a) { a = 1; b = 2; }", "unexpected argument 'b'");
    err("({ a, b }: a) { a = 1; }", "without required argument 'b'");
}

#[test]
fn arithmetic_and_comparison() {
    ok("9223372036854775807 + 1", "-9223372036854775808");
    ok(
        "[ (7 / 2) (7.0 / 2) (-7 / 2) (1 + 2.5) ]",
        "[ 3 3.5 -3 3.5 ]",
    );
    err("1 / 0", "division by zero");
    ok(
        "[ ([ 1 2 ] < [ 1 3 ]) (\"a\" < \"b\") (1 == 1.0) ]",
        "[ true true true ]",
    );
    ok(
        "let f = x: x; in [ (f == f) ([ f ] == [ f ]) ]",
        "[ false true ]",
    );
}

#[test]
fn strings_and_printing() {
    ok("\"a\\\"b\\\\c\\n${\"$\"}{x}\"", "\"a\\\"b\\\\c\\n\\${x}\"");
    ok("''\n  a\n    b\n''", "\"a\\n  b\\n\"");
    ok(
        "[ 1.0 0.1 1.0e20 123456789.0 1.0e-5 ]",
        "[ 1 0.1 1e+20 1.23457e+08 1e-05 ]",
    );
    ok(
        "{ \"a b\" = 1; \"if\" = 2; a-b = 3; }",
        "{ \"a b\" = 1; a-b = 3; \"if\" = 2; }",
    );
    ok(
        "let a = { x = 1; }; in [ a a ]",
        "[ { x = 1; } «repeated» ]",
    );
    ok("toString [ 1 [ ] 2 null true 1.5 ]", "\"1 2  1 1.500000\"");
}

#[test]
fn builtins_common() {
    ok("builtins.sort (a: b: a < b) [ 3 1 2 ]", "[ 1 2 3 ]");
    ok(
        "builtins.split \"(a)|b\" \"xaybz\"",
        "[ \"x\" [ \"a\" ] \"y\" [ null ] \"z\" ]",
    );
    ok(
        "builtins.match \"([a-z]+)-([0-9.]+)\" \"hello-1.2\"",
        "[ \"hello\" \"1.2\" ]",
    );
    ok(
        "builtins.replaceStrings [ \"a\" \"\" ] [ \"x\" \"-\" ] \"ab\"",
        "\"x-b-\"",
    );
    ok("builtins.compareVersions \"1.2.3\" \"1.2.10\"", "-1");
    ok(
        "builtins.parseDrvName \"hello-2.1\"",
        "{ name = \"hello\"; version = \"2.1\"; }",
    );
    ok(
        "builtins.tryEval (throw \"x\")",
        "{ success = false; value = false; }",
    );
    ok(
        "builtins.toJSON { a = [ 1 0.5 ]; b = null; }",
        "\"{\\\"a\\\":[1,0.5],\\\"b\\\":null}\"",
    );
}

#[test]
fn derivation_paths_match_nix() {
    ok(
        "(derivation { name = \"a\"; builder = \"b\"; system = \"x\"; }).drvPath",
        "\"/nix/store/nnqh7675wghd0xmrywqm2yh9psrkk13q-a.drv\"",
    );
    ok(
        "(derivation { name = \"a\"; builder = \"b\"; system = \"x\"; }).outPath",
        "\"/nix/store/mx735vk17fbgvrjr0zk0wqfylg1i1996-a\"",
    );
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    err("let f = x: f x + 1; in f 1", "stack overflow");
    ok(
        "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 20000",
        "20000",
    );
}

#[test]
fn try_eval_does_not_catch_everything() {
    let kind = with_big_stack(|| {
        let ev = Evaluator::new();
        ev.eval_expr("builtins.tryEval (abort \"no\")", "/")
            .err()
            .map(|e| e.kind())
    });
    assert_eq!(kind, Some(ErrorKind::Abort));
}

#[test]
fn indented_string_escapes_count_when_stripping() {
    ok("''\n  a ''\\n  b\n  c''", "\"a \\nb\\nc\"");
    ok("''\n  x ''${y}\n''", "\"x \\${y}\\n\"");
    ok("'''''''", "\"''\"");
}

#[test]
fn strings_are_bytes() {
    ok(
        "builtins.stringLength (builtins.substring 0 2 \"héllo\")",
        "2",
    );
    ok(
        "builtins.substring 0 1 \"é\" + builtins.substring 1 1 \"é\" == \"é\"",
        "true",
    );
    // Three raw bytes joined one `+` at a time become the character again.
    ok(
        "let e = \"€\"; p = builtins.substring; in p 0 1 e + p 1 1 e + p 2 1 e == e",
        "true",
    );
    ok("builtins.match \"é+\" \"éé\"", "null");
}

#[test]
fn regular_expressions_as_nix() {
    ok("builtins.match \"(a|b|)+\" \"ab\"", "[ \"\" ]");
    ok(
        "builtins.split \"a*\" \"baaac\"",
        "[ \"\" [ ] \"b\" [ ] \"\" [ ] \"c\" [ ] \"\" ]",
    );
    err(
        "builtins.match \"\\\\d\" \"1\"",
        "invalid regular expression",
    );
    err(
        "builtins.match \"[a-c-e]\" \"a\"",
        "invalid regular expression",
    );
}

#[test]
fn lazy_arguments_stay_lazy_when_printed() {
    let out = with_big_stack(|| {
        let ev = Evaluator::new();
        let v = ev.eval_expr("(x: { a = x; }) (1 - 1)", "/").unwrap();
        print_value(&v)
    });
    assert_eq!(out, "{ a = <CODE>; }");
}
