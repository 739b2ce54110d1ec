# Multiple outputs as nixpkgs has them: the first output is the package;
# each output is an attribute whose outPath is that output's; lib.getDev /
# getLib / getBin choose as nixpkgs does; dependency lists take a package's
# `dev` output unless an output was named; splicing reaches outputs too.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  c = p.pkgsCross.aarch64-multiplatform;
  inherit (p) lib zlib sqlite hello;
  paths = ds: map (d: d.outPath) ds;
  probe = c.callPackage ({ stdenv, zlib }: stdenv.mkDerivation {
    name = "probe";
    nativeBuildInputs = [ zlib.dev ];
    buildInputs = [ zlib.out ];
    propagatedBuildInputs = [ zlib ];
  }) { };
in
zlib.outputs == [ "out" "dev" ]
&& zlib.drvAttrs.outputs == [ "out" "dev" ]
&& zlib.outputName == "out" && zlib.dev.outputName == "dev"
&& zlib.outPath == zlib.out.outPath && zlib.outPath != zlib.dev.outPath
&& lib.hasSuffix "-zlib-1.2.13-dev" "${zlib.dev}"
&& zlib.dev.drvPath == zlib.drvPath
&& paths zlib.all == [ zlib.out.outPath zlib.dev.outPath ]
&& zlib.dev.dev.outPath == zlib.dev.outPath && zlib.dev.out.outPath == zlib.outPath
&& zlib.dev.meta == zlib.meta && zlib.dev.version == "1.2.13"
&& !(zlib ? outputSpecified) && zlib.dev.outputSpecified
&& lib.getDev zlib == zlib.dev
&& lib.getDev zlib.out == zlib.out
&& lib.getLib zlib == zlib.out
&& lib.getBin sqlite == sqlite.bin && lib.getLib sqlite == sqlite.out && lib.getDev sqlite == sqlite.dev
&& lib.getDev hello == hello && hello.outputs or [ "out" ] == [ "out" ]
&& sqlite.outPath == sqlite.bin.outPath && sqlite.outputName == "bin"
&& sqlite.meta.outputsToInstall == [ "bin" ] && zlib.meta.outputsToInstall == [ "out" ]
&& paths p.pigz.drvAttrs.buildInputs == [ zlib.dev.outPath ]
&& paths (p.pigz.override { zlib = zlib.out; }).drvAttrs.buildInputs == [ zlib.outPath ]
&& paths sqlite.drvAttrs.buildInputs == [ zlib.dev.outPath ]
&& (zlib.overrideAttrs (o: { pname = "zlib-again"; })).dev.outPath != zlib.dev.outPath
# In a cross set, `zlib.dev` in nativeBuildInputs is the build machine's.
&& builtins.elem p.zlib.dev.outPath (paths probe.drvAttrs.nativeBuildInputs)
&& paths probe.drvAttrs.buildInputs == [ c.zlib.outPath ]
&& paths probe.drvAttrs.propagatedBuildInputs == [ c.zlib.dev.outPath ]
&& c.zlib.dev.outPath != p.zlib.dev.outPath
