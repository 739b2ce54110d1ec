# The cross-compilation guide's idiom: an overlay naming the default gcc
# version gives exactly the default compiler (the same store paths, so cache
# hits), named with the version dpkg reports.
{ xnixpkgs }:
let
  pkgs = import xnixpkgs { };
  a = import xnixpkgs {
    crossSystem = { config = "riscv64-unknown-linux-gnu"; };
    overlays = [ (self: super: { gcc = self.gcc12; }) ];
  };
  cc = a.pkgsCross.riscv64.stdenv.cc;
  # What dpkg says of the riscv64 gcc 12 package, read here on its own.
  paragraph = builtins.elemAt (builtins.split "\nPackage: gcc-12-riscv64-linux-gnu\n" (builtins.readFile /var/lib/dpkg/status)) 2;
  debVersion = builtins.elemAt (builtins.match "([^\n]+\n)*Version: ([^\n]+)\n.*" (builtins.substring 0 2000 paragraph)) 1;
  version = builtins.match "([0-9]+:)?(12[.][0-9.]+)-.*" debVersion;
in
cc.name == "riscv64-unknown-linux-gnu-gcc-wrapper-${builtins.elemAt version 1}"
&& cc.version == builtins.elemAt version 1
&& cc.drvPath == pkgs.pkgsCross.riscv64.stdenv.cc.drvPath
&& a.stdenv.cc.drvPath == pkgs.pkgsCross.riscv64.stdenv.cc.drvPath
&& a.hello.outPath == pkgs.pkgsCross.riscv64.hello.outPath
&& pkgs.gcc.drvPath == pkgs.gcc12.drvPath
