# BusyBox: Kconfig and its own Makefiles. The configuration is the default
# one (`make defconfig`) with every program installed in bin/ and sbin/,
# linked statically for static hosts.
{ lib, stdenv, buildPackages, fetchurl }:
let
  static = stdenv.hostPlatform.isStatic || stdenv.hostPlatform.isMusl;
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
  # Options set on top of defconfig (`make oldconfig` settles what depends on them).
  extraConfig = {
    INSTALL_NO_USR = "y";
    STATIC = if static then "y" else "n";
  };
in
stdenv.mkDerivation {
  pname = "busybox";
  version = "1.35.0";
  src = fetchurl {
    url = "mirror://debian/pool/main/b/busybox/busybox_1.35.0.orig.tar.bz2";
    hash = "sha256-+u6yRMNaNIozT0pZ5EYm7ocPsHtohNaMEK6LwZ+DppQ=";
  };
  # The Kconfig programs run on the build machine.
  depsBuildBuild = [ buildPackages.stdenv.cc ];
  configurePhase = ''
    runHook preConfigure
    # The compiler wrapper's directory and target prefix: busybox appends
    # gcc, ar, strip, ... to it.
    makeFlags="CROSS_COMPILE=''${CC%cc} HOSTCC=$CC_FOR_BUILD"
    make $makeFlags defconfig
    ${lib.concatStrings (lib.mapAttrsToList (k: v: ''
      sed -i -e '/^CONFIG_${k}=/d' -e '/^# CONFIG_${k} is not set/d' .config
      echo ${if v == "n" then "'# CONFIG_${k} is not set'" else "CONFIG_${k}=${v}"} >> .config
    '') extraConfig)}
    ${lib.optionalString stdenv.hostPlatform.isMusl ''
      # musl-gcc sees musl's headers only: add the Linux kernel's (Debian's
      # linux-libc-dev on the build machine, for this same x86_64).
      mkdir kernel-headers
      for d in linux asm-generic mtd; do ln -s /usr/include/$d kernel-headers/$d; done
      ln -s /usr/include/x86_64-linux-gnu/asm kernel-headers/asm
      sed -i '/^CONFIG_EXTRA_CFLAGS=/d' .config
      echo "CONFIG_EXTRA_CFLAGS=\"-idirafter $PWD/kernel-headers\"" >> .config
    ''}
    make $makeFlags oldconfig < /dev/null
    runHook postConfigure
  '';
  installPhase = ''
    runHook preInstall
    make $makeFlags install CONFIG_PREFIX=$out
    runHook postInstall
  '';
  postInstall = lib.optionalString canRunHost ''
    [ "$($emulator $out/bin/busybox sh -c 'echo $((6 * 7))')" = 42 ]
  '';
  meta.platforms = lib.systems.doubles.linux;
}
