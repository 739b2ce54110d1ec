# `gcc` of a cross set is a compiler for another host (an error when built),
# but in nativeBuildInputs splicing picks the build machine's `buildPackages.gcc`.
{ xnixpkgs }:
let
  c = (import xnixpkgs { }).pkgsCross.riscv64;
  d = c.callPackage ({ stdenv, gcc }: stdenv.mkDerivation { name = "uses-gcc"; nativeBuildInputs = [ gcc ]; }) { };
in
builtins.elem c.buildPackages.gcc.outPath (map (x: x.outPath) d.drvAttrs.nativeBuildInputs)
&& builtins.isString d.drvPath
&& !(builtins.tryEval c.gcc.outPath).success
&& c.gcc.name == "gcc-wrapper-${c.buildPackages.gcc.version}"
