# expect-error: install it with `apt-get install gcc-11-aarch64-linux-gnu libc6-dev-arm64-cross`
# A gcc version Debian ships but the machine lacks fails when used (here: a
# dpkg database without it), naming the exact packages to install (with the
# build machine's compilers: `config.xnixPure = false`).
{ xnixpkgs }:
let
  p = import xnixpkgs {
    config.xnixPure = false;
    config.xnixDpkgInfoDir = "/var/empty/xnix-no-dpkg";
    overlays = [ (self: super: { gcc = self.gcc11; }) ];
  };
in
p.pkgsCross.aarch64-multiplatform.hello.drvPath
