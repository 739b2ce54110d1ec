# An overlay choosing another gcc version (`gcc = self.gcc11;`, the nixpkgs
# idiom) changes `stdenv.cc` and every package of its instance and of the
# instances it derives (`pkgsCross`), and no other instance. The dpkg
# database is a fixture with gcc 11 and 12 (fixtures/dpkg-gcc11); the build
# machine's compilers (`config.xnixPure = false`).
{ xnixpkgs }:
let
  config = { xnixPure = false; xnixDpkgInfoDir = toString ./fixtures/dpkg-gcc11/info; };
  plain = import xnixpkgs { inherit config; };
  gcc11 = import xnixpkgs { inherit config; overlays = [ (self: super: { gcc = self.gcc11; }) ]; };
  gcc12 = import xnixpkgs { inherit config; overlays = [ (self: super: { gcc = self.gcc12; }) ]; };
  plainAgain = import xnixpkgs { inherit config; };
  arm = p: p.pkgsCross.aarch64-multiplatform;
  identity = deb: "${deb}=${builtins.hashFile "sha256" (./fixtures/dpkg-gcc11/info + "/${deb}.md5sums")}";
in
# The version comes from the (fixture's) dpkg status, upstream part only.
plain.stdenv.cc.name == "gcc-wrapper-12.2.0"
&& gcc11.stdenv.cc.name == "gcc-wrapper-11.3.0"
&& (arm plain).stdenv.cc.name == "aarch64-unknown-linux-gnu-gcc-wrapper-12.2.0"
&& (arm gcc11).stdenv.cc.name == "aarch64-unknown-linux-gnu-gcc-wrapper-11.3.0"
&& builtins.elem (identity "gcc-11-aarch64-linux-gnu") (arm gcc11).stdenv.cc.drvAttrs.toolchainIdentity
&& !(builtins.elem (identity "gcc-12-aarch64-linux-gnu") (arm gcc11).stdenv.cc.drvAttrs.toolchainIdentity)
&& (arm gcc11).stdenv.cc.drvAttrs.realCc == "/usr/bin/aarch64-linux-gnu-gcc-11"
# Another compiler: other derivations, native and cross.
&& gcc11.stdenv.cc.drvPath != plain.stdenv.cc.drvPath
&& gcc11.hello.outPath != plain.hello.outPath
&& (arm gcc11).hello.outPath != (arm plain).hello.outPath
&& (arm gcc11).zlib.dev.outPath != (arm plain).zlib.dev.outPath
# The default version named explicitly is the default: the same paths.
&& gcc12.stdenv.cc.drvPath == plain.stdenv.cc.drvPath
&& gcc12.hello.outPath == plain.hello.outPath
&& (arm gcc12).hello.outPath == (arm plain).hello.outPath
# The instance without the overlay is unchanged.
&& plainAgain.hello.outPath == plain.hello.outPath
&& (arm plainAgain).stdenv.cc.drvPath == (arm plain).stdenv.cc.drvPath
# `extend` applies the overlay too.
&& (plain.extend (self: super: { gcc = self.gcc11; })).hello.outPath == gcc11.hello.outPath
