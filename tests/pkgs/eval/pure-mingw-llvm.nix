# Pure builds for Windows (mingw-w64) and with clang/lld (pkgsLLVM, also for
# aarch64, and clangStdenv) take their compilers from the lock: the builders
# run in a root made of locked .deb files only (no host paths, no dpkg
# identity), with mingw-w64's gcc or clang 14 and lld 14 in it; Windows
# programs get gcc's run-time libraries linked in, clang links against the
# lock's C library with its loader as the interpreter.
{ xnixpkgs }:
let
  p = import xnixpkgs { config.xnixPure = true; };
  debs = (import (xnixpkgs + "/debian") { }).debs;
  locked = map toString (builtins.attrValues debs.amd64);
  pure = import (xnixpkgs + "/debian/pure.nix") { };
  rootDebs = drv: map toString drv.drvAttrs.__xnixRoot.drvAttrs.debs;
  hasDebs = drv: names: builtins.all (n: builtins.elem (toString debs.amd64.${n}) (rootDebs drv)) names;
  # Every input of the builder's root is a locked .deb; nothing of the host.
  lockedOnly = drv: !(drv.drvAttrs ? __impureHostDeps) && builtins.all (d: builtins.elem d locked) (rootDebs drv);
  # The package, its compiler wrapper and the wrapper's toolchain.
  check = set: names: cc: flag:
    let w = set.stdenv.cc; in
    lockedOnly set.hello && lockedOnly w && hasDebs set.hello names && hasDebs w names
    && w.drvAttrs.toolchainIdentity == [ ] && w.drvAttrs.realCc == cc
    && builtins.elem flag w.drvAttrs.linkFlags;
  libcLoader = cpu: builtins.head (pure.linkFlags.${cpu});
in
check p.pkgsCross.mingwW64 [ "gcc-mingw-w64-x86-64-win32" "mingw-w64-x86-64-dev" ] "/usr/bin/x86_64-w64-mingw32-gcc-win32" "-static-libgcc"
&& check p.pkgsCross.mingw32 [ "gcc-mingw-w64-i686-win32" "mingw-w64-i686-dev" ] "/usr/bin/i686-w64-mingw32-gcc-win32" "-static-libgcc"
&& check p.pkgsLLVM [ "clang-14" "lld-14" "libc6-dev" ] "/usr/bin/clang-14" (libcLoader "x86_64")
&& check p.pkgsCross.aarch64-multiplatform.pkgsLLVM [ "clang-14" "lld-14" "gcc-12-aarch64-linux-gnu" "libc6-dev-arm64-cross" ]
  "/usr/bin/clang-14" (libcLoader "aarch64")
&& builtins.elem "-fuse-ld=lld" p.pkgsLLVM.stdenv.cc.drvAttrs.linkFlags
# clangStdenv of a gcc set: its builders and wrapper get clang too.
&& lockedOnly p.clangStdenv.cc && hasDebs p.clangStdenv.cc [ "clang-14" "lld-14" ]
&& p.pkgsLLVM.stdenv.cc.version == "14.0.6"
