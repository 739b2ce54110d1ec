# pkgsStatic and pkgsMusl are musl platforms; pkgsStatic's are static.
{ xnixpkgs }:
let p = import xnixpkgs { }; in
p.pkgsStatic.stdenv.hostPlatform.isStatic
&& p.pkgsStatic.stdenv.hostPlatform.isMusl
&& p.pkgsMusl.stdenv.hostPlatform.isMusl
&& !p.pkgsMusl.stdenv.hostPlatform.isStatic
&& p.pkgsStatic.buildPackages.hello.outPath == p.hello.outPath
&& p.pkgsStatic.hello.outPath != p.hello.outPath
