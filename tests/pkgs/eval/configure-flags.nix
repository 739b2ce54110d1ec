# Cross autotools builds get --build/--host; native ones get them in the
# pure environment (configure's own guess would look for tools outside it)
# and neither with the build machine's tools (`config.xnixPure = false`).
{ xnixpkgs }:
let p = import xnixpkgs { config.xnixPure = true; }; c = p.pkgsCross.armv7l-hf-multiplatform; in
c.hello.drvAttrs.configureFlags == [ "--build=${p.stdenv.hostPlatform.config}" "--host=armv7l-unknown-linux-gnueabihf" ]
&& p.hello.drvAttrs.configureFlags == [ "--build=x86_64-unknown-linux-gnu" "--host=x86_64-unknown-linux-gnu" ]
&& (import xnixpkgs { config.xnixPure = false; }).hello.drvAttrs.configureFlags == [ ]
&& c.pkgsCross.riscv64.hello.outPath == p.pkgsCross.riscv64.hello.outPath
