# zlib: its own configure script (not autotools); on Windows, the MinGW makefile.
{ lib, stdenv, fetchurl }:
let
  windows = stdenv.hostPlatform.isWindows;
  static = stdenv.hostPlatform.isStatic || stdenv.hostPlatform.isMusl;
in
stdenv.mkDerivation ({
  pname = "zlib";
  version = "1.2.13";
  src = fetchurl {
    url = "mirror://debian/pool/main/z/zlib/zlib_1.2.13.dfsg.orig.tar.bz2";
    hash = "sha256-cf63lH48AO8SX4O3mk5Sm94xFx5bq+SLOR8GdY0asKE=";
  };
  # zlib's configure knows no --build/--host; it takes the toolchain from CC/AR.
  configurePlatforms = [ ];
  dontAddStaticConfigureFlags = true;
  configureFlags = lib.optional static "--static";
  doCheck = true;
  # The test programs are built for the host: run them through the emulator.
  checkPhase = ''
    runHook preCheck
    make ${if windows then "-f win32/Makefile.gcc PREFIX=$targetPrefix_" else ""} example${if windows then ".exe" else ""} minigzip${if windows then ".exe" else ""}
    echo "hello zlib" | $emulator ./minigzip | $emulator ./minigzip -d | grep -q "hello zlib"
    $emulator ./example
    runHook postCheck
  '';
  meta.platforms = [ "x86_64-linux" "i686-linux" "aarch64-linux" "armv7l-linux" "armv6l-linux" "riscv64-linux" "powerpc64le-linux" "s390x-linux" "mips-linux" "mipsel-linux" "x86_64-windows" ];
} // lib.optionalAttrs windows {
  dontConfigure = true;
  doCheck = false;
  buildPhase = ''make -f win32/Makefile.gcc -j$NIX_BUILD_CORES CC=$CC AR=$AR RC=$WINDRES STRIP=$STRIP'';
  installPhase = ''
    make -f win32/Makefile.gcc install SHARED_MODE=1 BINARY_PATH=$out/bin INCLUDE_PATH=$out/include LIBRARY_PATH=$out/lib
  '';
})
