//! Print the NAR hash (sha256, Nix base32) and NAR size of a path; used to
//! compare speed with `nix-store --dump PATH | sha256sum`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: narhash PATH");
        std::process::exit(2);
    };
    match xnix_fs::nar::nar_hash(std::path::Path::new(&path)) {
        Ok((h, size)) => println!("sha256:{} {size}", h.to_base32()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
