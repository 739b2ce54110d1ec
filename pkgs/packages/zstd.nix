# Zstandard: its CMake build (build/cmake), which also targets Windows.
{ lib, stdenv, fetchurl, cmake }:
let
  exe = if stdenv.hostPlatform.isWindows then ".exe" else "";
  static = stdenv.hostPlatform.isStatic || stdenv.hostPlatform.isMusl;
in
stdenv.mkDerivation {
  pname = "zstd";
  version = "1.5.4";
  src = fetchurl {
    url = "mirror://debian/pool/main/libz/libzstd/libzstd_1.5.4+dfsg2.orig.tar.xz";
    hash = "sha256-jPS7tl537DSNBSyNYjDrpm1DW932TItb4vyxaIDBmVM=";
  };
  outputs = [ "out" "dev" ];
  nativeBuildInputs = [ cmake ];
  # The CMake project lives in build/cmake: the setup hook configures `..`
  # from a directory it creates in the current one.
  preConfigure = ''
    cd build/cmake
  '';
  # The project enables C++ for its contributed tests only; Debian's cross
  # toolchains have no C++ compiler.
  postPatch = ''
    sed -i -e '/CXX # Testing/d' -e '/enable_language(CXX)/d' build/cmake/CMakeLists.txt
  '';
  cmakeFlags = [
    "-DZSTD_BUILD_PROGRAMS=ON"
    "-DZSTD_BUILD_TESTS=OFF"
    # The programs' optional compressors would be looked up on the build
    # machine: leave them out.
    "-DZSTD_ZLIB_SUPPORT=OFF"
    "-DZSTD_LZMA_SUPPORT=OFF"
    "-DZSTD_LZ4_SUPPORT=OFF"
  ] ++ lib.optional static "-DZSTD_BUILD_SHARED=OFF";
  doCheck = true;
  checkPhase = ''
    runHook preCheck
    echo "hello zstd" | $emulator programs/zstd${exe} -19 -c > t.zst
    [ "$($emulator programs/zstd${exe} -dc t.zst | tr -d '\r')" = "hello zstd" ]
    runHook postCheck
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
