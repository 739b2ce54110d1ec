//! Evaluate a file strictly and print the result, as `nix-instantiate --eval --strict FILE`
//! (a minimal driver for profiling the evaluator without the whole CLI).

// The allocator `xnix` runs the evaluator with, so that profiles match.
xnix_eval::global_allocator!();

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: eval_file FILE");
        std::process::exit(2);
    };
    let code = xnix_eval::with_big_stack(move || {
        let ev = xnix_eval::Evaluator::new();
        match ev.eval_file(&path).and_then(|v| ev.force_deep(v)) {
            Ok(v) => {
                println!("{}", xnix_eval::print_value(&v));
                0
            }
            Err(e) => {
                eprintln!("{}", ev.format_error(&e, false));
                1
            }
        }
    });
    std::process::exit(code);
}
