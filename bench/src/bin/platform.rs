//! Parse and elaborate every catalogue entry many times and report the time
//! of one full pass against the 10 ms target.
//!
//! The catalogue's argument sets are decoded once, as a program would; each
//! pass parses every entry's triple and elaborates its argument set. A second
//! figure adds rendering every elaborated platform as JSON (`to_json`).
//!
//! Run: `cargo run --release -p xnix-bench --bin platform`

use std::hint::black_box;
use std::time::Instant;

use xnix_platform::{catalogue, elaborate, CatalogueEntry, Parsed};

const TARGET_MS: f64 = 10.0;
const PASSES: u32 = 500;

/// One full pass; returns a checksum so the work cannot be optimised away.
fn pass(entries: &[CatalogueEntry], render: bool) -> usize {
    let mut sum = 0;
    for CatalogueEntry { args, .. } in entries {
        let config = args["config"]
            .as_str()
            .expect("every catalogue entry has a config");
        let parsed = Parsed::from_string(config).expect("catalogue triples parse");
        sum += parsed.triple().len();
        let platform = elaborate(args).expect("catalogue entries elaborate");
        sum += platform.system().len();
        if render {
            sum += platform.to_json().as_object().map_or(0, |m| m.len());
        }
    }
    sum
}

fn per_pass_ms(entries: &[CatalogueEntry], render: bool) -> f64 {
    for _ in 0..20 {
        black_box(pass(entries, render));
    }
    let start = Instant::now();
    for _ in 0..PASSES {
        black_box(pass(entries, render));
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(PASSES)
}

fn main() {
    let entries: Vec<CatalogueEntry> = catalogue().collect();
    let n = entries.len();
    let plain = per_pass_ms(&entries, false);
    let rendered = per_pass_ms(&entries, true);
    let verdict = if plain < TARGET_MS { "meets" } else { "MISSES" };
    println!(
        "platform: parse + elaborate all {n} catalogue entries: {plain:.3} ms per pass \
         ({PASSES} passes); {verdict} the {TARGET_MS} ms target"
    );
    println!("platform: the same plus rendering each platform as JSON: {rendered:.3} ms per pass");
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; use --release for the real figure");
    }
}
