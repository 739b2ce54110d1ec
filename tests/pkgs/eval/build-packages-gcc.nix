# `stdenv.cc` is `buildPackages.gcc` (`buildPackages.clang` for clangStdenv
# and useLLVM): the compiler running on the build machine and emitting code
# for the set's host. The former names `gccForTarget`/`clangForTarget` remain.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  c = p.pkgsCross.aarch64-multiplatform;
in
c.stdenv.cc.drvPath == c.buildPackages.gcc.drvPath
&& c.buildPackages.gcc.targetPlatform.config == c.hostPlatform.config
&& c.buildPackages.gcc.targetPrefix == "aarch64-unknown-linux-gnu-"
&& c.clangStdenv.cc.drvPath == c.buildPackages.clang.drvPath
&& c.buildPackages.clang.isClang
&& p.pkgsLLVM.stdenv.cc.drvPath == p.pkgsLLVM.buildPackages.clang.drvPath
&& p.stdenv.cc.drvPath == p.gcc.drvPath
&& p.gccForTarget.drvPath == p.gcc.drvPath
&& c.buildPackages.gccForTarget.drvPath == c.stdenv.cc.drvPath
&& c.buildPackages.clangForTarget.drvPath == c.clangStdenv.cc.drvPath
# Overlaying `clang` with its default version keeps the paths.
&& (p.extend (self: super: { clang = self.clang14; })).clangStdenv.cc.drvPath == p.clangStdenv.cc.drvPath
# Another clang version: another wrapper, carrying the version.
&& (p.extend (self: super: { clang = self.clang15; })).clangStdenv.cc.drvAttrs.realCc == "/usr/bin/clang-15"
&& (p.extend (self: super: { clang = self.clang15; })).clangStdenv.cc.drvAttrs.name != p.clangStdenv.cc.drvAttrs.name
