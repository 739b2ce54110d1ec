# In a cross package, nativeBuildInputs come from the build machine's set and
# buildInputs from the host's (a package with a `dev` output stands for it);
# depsBuildBuild from pkgsBuildBuild.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  c = p.pkgsCross.aarch64-multiplatform;
  paths = ds: map (d: d.outPath) ds;
in
builtins.elem p.cmake.outPath (paths c.cjson.drvAttrs.nativeBuildInputs)
&& builtins.elem c.stdenv.cc.outPath (paths c.cjson.drvAttrs.nativeBuildInputs)
&& paths c.pigz.drvAttrs.buildInputs == [ c.zlib.dev.outPath ]
&& c.zlib.outPath != p.zlib.outPath
&& builtins.elem p.stdenv.cc.outPath (paths c.sqlite.drvAttrs.depsBuildBuild)
&& builtins.elem p.tcl.outPath (paths c.sqlite.drvAttrs.nativeBuildInputs)
