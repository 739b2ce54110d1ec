# A cross set's buildPackages builds the same things as the native set.
{ xnixpkgs }:
let p = import xnixpkgs { }; c = p.pkgsCross.aarch64-multiplatform; in
c.buildPackages.hello.outPath == p.hello.outPath
&& c.pkgsBuildBuild.zlib.outPath == p.zlib.outPath
&& c.hello.outPath != p.hello.outPath
