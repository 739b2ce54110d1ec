# zlib: its own configure script (not autotools); on Windows its CMake build
# (Debian's tarball leaves out the win32/ makefiles).
{ lib, stdenv, fetchurl, cmake }:
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
  # Headers, zlib.pc and (next to the shared library) libz.a go to `dev`.
  outputs = [ "out" "dev" ];
  # zlib's configure knows no --build/--host (nor --bindir and the other
  # directory options); it takes the toolchain from CC/AR.
  configurePlatforms = [ ];
  setOutputFlags = false;
  dontAddStaticConfigureFlags = true;
  configureFlags = lib.optional static "--static";
  doCheck = true;
  # The test programs are built for the host: run them through the emulator.
  checkPhase = ''
    runHook preCheck
    make example minigzip
    echo "hello zlib" | $emulator ./minigzip | $emulator ./minigzip -d | grep -q "hello zlib"
    $emulator ./example
    runHook postCheck
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
} // lib.optionalAttrs windows {
  nativeBuildInputs = [ cmake ];
  # CMake compiles the DLL's version resource from win32/, which the Debian
  # tarball lacks: a minimal one stands in for it.
  postPatch = ''
    mkdir -p win32
    printf '1 VERSIONINFO\nFILEVERSION 1,2,13,0\nPRODUCTVERSION 1,2,13,0\nBEGIN\nEND\n' > win32/zlib1.rc
  '';
  doCheck = false;
})
