# ripgrep: a Rust program built by rustPlatform.buildRustPackage with Debian's
# rustc, its standard library for the target and the crates of Debian's
# librust-*-dev packages (the lock group `rust-crates-ripgrep`).
{ lib, rustPlatform, fetchurl }:
rustPlatform.buildRustPackage {
  pname = "ripgrep";
  version = "13.0.0";
  src = fetchurl {
    url = "mirror://debian/pool/main/r/rust-ripgrep/rust-ripgrep_13.0.0.orig.tar.gz";
    hash = "sha256-83ydLCvH4AvSZT4TdxOXuU5FJYPam5SU6r72J2GNZL8=";
  };
  # The versions of Debian's crates, resolved once by `cargo generate-lockfile`
  # against the vendored registry.
  cargoLock = ./ripgrep.Cargo.lock;
  cratesGroup = "rust-crates-ripgrep";
  # Debian's crates have no jemallocator (ripgrep's allocator on musl only)
  # and their grep crate has no simd-accel feature: both go from the manifest,
  # as in Debian's own build.
  postPatch = ''
    sed -i -e '/^\[target.*musl.*jemallocator\]/,/^version/d' -e '/^simd-accel = /d' Cargo.toml
  '';
  meta = {
    description = "A line-oriented search tool that recursively searches directories for a regex pattern";
    homepage = "https://github.com/BurntSushi/ripgrep";
    license = [ "MIT" "Unlicense" ];
  };
}
