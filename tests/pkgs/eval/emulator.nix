# A cross build gets an emulator: in the pure environment (`xnixPure`) the
# lock's static qemu in the store; with the build machine's tools
# (`config.xnixPure = false`) the build machine's qemu-user. The platform's
# own `emulator` is always the build machine's.
{ xnixpkgs }:
let
  c = (import xnixpkgs { config.xnixPure = true; }).pkgsCross;
  h = (import xnixpkgs { config.xnixPure = false; }).pkgsCross;
in
c.aarch64-multiplatform.stdenv.hostPlatform.emulator c.aarch64-multiplatform.buildPackages == "/usr/bin/qemu-aarch64"
&& builtins.match "/xnix/store/[a-z0-9]{32}-debian-bookworm-amd64-qemu-user-static/usr/bin/qemu-riscv64-static" c.riscv64.hello.drvAttrs.emulator != null
&& h.riscv64.hello.drvAttrs.emulator == "/usr/bin/qemu-riscv64"
&& c.armv7l-hf-multiplatform.stdenv.hostPlatform.qemuArch == "arm"
&& !(c.mingwW64.stdenv.hostPlatform.emulatorAvailable c.mingwW64.buildPackages)
&& !(c.mingwW64.hello.drvAttrs ? emulator)
