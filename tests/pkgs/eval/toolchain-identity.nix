# The compiler wrapper carries the identity of the toolchain behind it: in
# the pure environment, the root of locked Debian packages its builders run
# in (every package built with it names that root too); with the build
# machine's compilers (`config.xnixPure = false`), the dpkg file lists of
# the Debian packages behind it (here a fixture's dpkg database).
{ xnixpkgs }:
let
  p = import xnixpkgs { config.xnixPure = true; };
  c = p.pkgsCross.aarch64-multiplatform;
  info = ./fixtures/dpkg-gcc11/info;
  h = import xnixpkgs { config = { xnixPure = false; xnixDpkgInfoDir = toString info; }; };
  hc = h.pkgsCross.aarch64-multiplatform;
in
p.stdenv.cc.drvAttrs.toolchainIdentity == [ ]
&& p.stdenv.cc.drvAttrs ? __xnixRoot && !(p.stdenv.cc.drvAttrs ? __impureHostDeps)
&& p.hello.drvAttrs.__xnixRoot == p.stdenv.cc.drvAttrs.__xnixRoot
&& c.hello.drvAttrs.__xnixRoot != p.hello.drvAttrs.__xnixRoot
&& builtins.elem ("gcc-12=" + builtins.hashFile "sha256" (info + "/gcc-12.md5sums")) h.stdenv.cc.drvAttrs.toolchainIdentity
&& builtins.elem ("gcc-12-aarch64-linux-gnu=" + builtins.hashFile "sha256" (info + "/gcc-12-aarch64-linux-gnu.md5sums")) hc.stdenv.cc.drvAttrs.toolchainIdentity
&& h.hello.drvAttrs.__impureHostDeps == [ "/usr" "/bin" "/lib" "/lib64" ] && h.stdenv.cc.drvAttrs.__impureHostDeps == h.hello.drvAttrs.__impureHostDeps
