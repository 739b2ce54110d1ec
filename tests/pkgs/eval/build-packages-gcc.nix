# `stdenv.cc` is `buildPackages.gcc` (`buildPackages.clang` for clangStdenv
# and useLLVM): the compiler running on the build machine and emitting code
# for the set's host. The former names `gccForTarget`/`clangForTarget` remain.
# clang: with the build machine's compilers (`config.xnixPure = false`), as
# the pure environment has no clang yet.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  c = p.pkgsCross.aarch64-multiplatform;
  q = import xnixpkgs { config.xnixPure = false; };
  d = q.pkgsCross.aarch64-multiplatform;
in
c.stdenv.cc.drvPath == c.buildPackages.gcc.drvPath
&& c.buildPackages.gcc.targetPlatform.config == c.hostPlatform.config
&& c.buildPackages.gcc.targetPrefix == "aarch64-unknown-linux-gnu-"
&& d.clangStdenv.cc.drvPath == d.buildPackages.clang.drvPath
&& d.buildPackages.clang.isClang
&& q.pkgsLLVM.stdenv.cc.drvPath == q.pkgsLLVM.buildPackages.clang.drvPath
&& p.stdenv.cc.drvPath == p.gcc.drvPath
&& p.gccForTarget.drvPath == p.gcc.drvPath
&& c.buildPackages.gccForTarget.drvPath == c.stdenv.cc.drvPath
&& d.buildPackages.clangForTarget.drvPath == d.clangStdenv.cc.drvPath
# Overlaying `clang` with its default version keeps the paths.
&& (q.extend (self: super: { clang = self.clang14; })).clangStdenv.cc.drvPath == q.clangStdenv.cc.drvPath
# Another clang version: another wrapper, carrying the version.
&& (q.extend (self: super: { clang = self.clang15; })).clangStdenv.cc.drvAttrs.realCc == "/usr/bin/clang-15"
&& (q.extend (self: super: { clang = self.clang15; })).clangStdenv.cc.drvAttrs.name != q.clangStdenv.cc.drvAttrs.name
