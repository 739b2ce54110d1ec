# An overlay swapping the compiler changes the outputs of its own instance only.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  clang = import xnixpkgs { overlays = [ (self: super: { stdenv = self.clangStdenv; }) ]; };
  again = import xnixpkgs { };
in
clang.hello.outPath != p.hello.outPath
&& clang.stdenv.cc.isClang
&& again.hello.outPath == p.hello.outPath
&& (p.extend (self: super: { stdenv = self.clangStdenv; })).hello.outPath == clang.hello.outPath
