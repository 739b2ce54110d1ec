# ARMv6 (raspberryPi) builds with Debian's armhf toolchain, whose C library is
# ARMv7 code: the toolchain status (what `xnix doctor` prints) says so; other
# ARM targets, with a C library for their processor, carry no caveat.
{ xnixpkgs }:
let p = import xnixpkgs { }; c = n: p.pkgsCross.${n}.xnixToolchainStatus.caveat; in
builtins.match ".*ARMv7.*Raspberry Pi 1.*" (c "raspberryPi") != null
&& p.pkgsCross.raspberryPi.stdenv.cc.xnixToolchainStatus.caveat == c "raspberryPi"
&& c "armv7l-hf-multiplatform" == "" && c "armv5tel-multiplatform" == "" && c "aarch64-multiplatform" == ""
