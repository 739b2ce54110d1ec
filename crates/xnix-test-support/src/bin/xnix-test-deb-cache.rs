//! The tests' machine-wide `.deb` cache (xnix_test_support::deb_cache) for
//! the shell tests:
//!   xnix-test-deb-cache prepare XNIX   fill it once (XNIX: the xnix binary),
//!                                      print the XNIX_MIRROR_DEBIAN value
//!   xnix-test-deb-cache fill ROOT      copy the locked .debs of the store
//!                                      under ROOT into it

use std::path::Path;
use std::process::ExitCode;

use xnix_test_support::deb_cache;

const USAGE: &str = "usage: xnix-test-deb-cache prepare XNIX_BINARY | fill STORE_ROOT";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["prepare", xnix] => println!("{}", deb_cache::prepare(Path::new(xnix))),
        ["fill", root] => deb_cache::fill_from_store(Path::new(root)),
        ["-h" | "--help"] => println!("{USAGE}"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
