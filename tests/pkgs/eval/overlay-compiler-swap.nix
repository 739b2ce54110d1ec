# An overlay swapping the compiler changes the outputs of its own instance
# only (clang: the build machine's, `config.xnixPure = false`, seen through
# a fixture's dpkg database).
{ xnixpkgs }:
let
  config = { xnixPure = false; xnixDpkgInfoDir = toString ./fixtures/dpkg-gcc11/info; };
  p = import xnixpkgs { inherit config; };
  clang = import xnixpkgs { inherit config; overlays = [ (self: super: { stdenv = self.clangStdenv; }) ]; };
  again = import xnixpkgs { inherit config; };
in
clang.hello.outPath != p.hello.outPath
&& clang.stdenv.cc.isClang
&& again.hello.outPath == p.hello.outPath
&& (p.extend (self: super: { stdenv = self.clangStdenv; })).hello.outPath == clang.hello.outPath
