# An overlay swapping the compiler changes the outputs of its own instance
# only (clang: the build machine's, `config.xnixPure = false`).
{ xnixpkgs }:
let
  config.xnixPure = false;
  p = import xnixpkgs { inherit config; };
  clang = import xnixpkgs { inherit config; overlays = [ (self: super: { stdenv = self.clangStdenv; }) ]; };
  again = import xnixpkgs { inherit config; };
in
clang.hello.outPath != p.hello.outPath
&& clang.stdenv.cc.isClang
&& again.hello.outPath == p.hello.outPath
&& (p.extend (self: super: { stdenv = self.clangStdenv; })).hello.outPath == clang.hello.outPath
