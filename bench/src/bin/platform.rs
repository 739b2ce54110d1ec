//! Parse and elaborate every catalogue entry many times and report the time
//! of one full pass against the 10 ms target.
//!
//! Run: `cargo run --release -p xnix-bench --bin platform`

use std::hint::black_box;
use std::time::Instant;

use xnix_platform::{catalogue, elaborate, CatalogueEntry, Parsed};

const TARGET_MS: f64 = 10.0;

/// One full pass: decode the catalogue, parse each entry's triple and
/// elaborate it; returns a checksum so the work cannot be optimised away.
fn pass() -> usize {
    let mut sum = 0;
    for CatalogueEntry { args, .. } in catalogue() {
        let config = args["config"]
            .as_str()
            .expect("every catalogue entry has a config");
        let parsed = Parsed::from_string(config).expect("catalogue triples parse");
        sum += parsed.triple().len();
        let platform = elaborate(&args).expect("catalogue entries elaborate");
        sum += platform.attrs().len();
    }
    sum
}

fn main() {
    let entries = catalogue().count();
    // Warm up caches and the allocator.
    for _ in 0..20 {
        black_box(pass());
    }
    let passes = 500;
    let start = Instant::now();
    for _ in 0..passes {
        black_box(pass());
    }
    let per_pass_ms = start.elapsed().as_secs_f64() * 1000.0 / passes as f64;
    let verdict = if per_pass_ms < TARGET_MS {
        "meets"
    } else {
        "MISSES"
    };
    println!(
        "platform: parse + elaborate all {entries} catalogue entries: {per_pass_ms:.3} ms per pass \
         ({passes} passes); {verdict} the {TARGET_MS} ms target"
    );
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; use --release for the real figure");
    }
}
