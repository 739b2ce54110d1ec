# Cross autotools builds get --build/--host; native ones get neither.
{ xnixpkgs }:
let p = import xnixpkgs { }; c = p.pkgsCross.armv7l-hf-multiplatform; in
c.hello.drvAttrs.configureFlags == [ "--build=${p.stdenv.hostPlatform.config}" "--host=armv7l-unknown-linux-gnueabihf" ]
&& p.hello.drvAttrs.configureFlags == [ ]
&& c.pkgsCross.riscv64.hello.outPath == p.pkgsCross.riscv64.hello.outPath
