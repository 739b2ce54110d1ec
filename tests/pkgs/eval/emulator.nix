# A cross build gets the build machine's qemu-user as its emulator.
{ xnixpkgs }:
let c = (import xnixpkgs { }).pkgsCross; in
c.aarch64-multiplatform.stdenv.hostPlatform.emulator c.aarch64-multiplatform.buildPackages == "/usr/bin/qemu-aarch64"
&& c.riscv64.hello.drvAttrs.emulator == "/usr/bin/qemu-riscv64"
&& c.armv7l-hf-multiplatform.stdenv.hostPlatform.qemuArch == "arm"
&& !(c.mingwW64.stdenv.hostPlatform.emulatorAvailable c.mingwW64.buildPackages)
&& !(c.mingwW64.hello.drvAttrs ? emulator)
