# Without cross compilation buildPackages is the set itself.
{ xnixpkgs }:
let p = import xnixpkgs { }; in
p.buildPackages.hello.outPath == p.hello.outPath && p.buildPackages.buildPackages.zlib.drvPath == p.zlib.drvPath
