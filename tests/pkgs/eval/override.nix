# overrideAttrs and callPackage's override make new derivations.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  h2 = p.hello.overrideAttrs (old: { pname = "hello-again"; });
  pigzStatic = p.pigz.override { zlib = p.pkgsStatic.zlib; };
in
h2.name == "hello-again-2.10" && h2.outPath != p.hello.outPath
&& pigzStatic.outPath != p.pigz.outPath
&& (p.pigz.override { }).outPath == p.pigz.outPath
