# rustPlatform: the Rust target of each platform, the target's standard
# library from its own architecture's lock (as --sysroot, cross only), the
# crates from librust-*-dev packages only, and the stdenv's compilers as the
# linkers (the build machine's for build scripts when cross compiling).
{ xnixpkgs }:
let
  pkgs = import xnixpkgs { };
  c = pkgs.pkgsCross;
  debs = (import (xnixpkgs + "/debian") { }).debs;
  rg = p: p.ripgrep.drvAttrs;
  inputs = p: map toString ((rg p).depsBuildBuild);
in
(rg pkgs).rustTarget == "x86_64-unknown-linux-gnu" && (rg pkgs).rustSysroot == ""
&& (rg c.aarch64-multiplatform).rustTarget == "aarch64-unknown-linux-gnu"
&& (rg c.armv7l-hf-multiplatform).rustTarget == "armv7-unknown-linux-gnueabihf"
&& (rg c.gnu32).rustTarget == "i686-unknown-linux-gnu"
&& (rg c.powernv).rustTarget == "powerpc64le-unknown-linux-gnu"
&& (rg c.aarch64-multiplatform).rustSysroot == "${c.aarch64-multiplatform.rustPlatform.stdSysroot "arm64"}/usr"
&& builtins.elem (toString debs.arm64.libstd-rust-dev) (map toString (c.aarch64-multiplatform.rustPlatform.stdSysroot "arm64").drvAttrs.debs)
&& builtins.all (d: builtins.match ".*-librust-.*" (toString d) != null) (rg pkgs).vendor.drvAttrs.debs
&& (rg pkgs).depsBuildBuild == [ ]
&& builtins.elem (toString c.aarch64-multiplatform.buildPackages.stdenv.cc) (inputs c.aarch64-multiplatform)
