# Versions that are not installed (or not shipped at all) fail only when
# used: the set, its stdenv and its packages evaluate without them, and the
# status says what is missing without failing (the build machine's
# compilers: `config.xnixPure = false`).
{ xnixpkgs }:
let
  p = import xnixpkgs { config = { xnixPure = false; xnixDpkgInfoDir = toString ./fixtures/dpkg-gcc11/info; }; };
  none = import xnixpkgs { config = { xnixPure = false; xnixDpkgInfoDir = "/var/empty/xnix-no-dpkg"; }; };
  status = none.pkgsCross.aarch64-multiplatform.buildPackages.gcc11.xnixToolchainStatus;
in
builtins.isString p.pkgsCross.aarch64-multiplatform.hello.drvPath
&& (builtins.tryEval p.pkgsCross.riscv64.buildPackages.gcc11.drvPath).success == false
&& status.version == "11"
&& !status.available
&& status.install == [ "gcc-11-aarch64-linux-gnu" "libc6-dev-arm64-cross" "bash" "make" "coreutils" "tar" "sed" "grep" "findutils" "diffutils" "patch" "gzip" "bzip2" "xz-utils" ]
&& builtins.match "xnixpkgs: the gcc 11 toolchain for aarch64-unknown-linux-gnu needs .*apt-get install gcc-11-aarch64-linux-gnu libc6-dev-arm64-cross.*" status.reason != null
