# cJSON: a CMake project. Its tests are registered as paths, not targets, so
# CMAKE_CROSSCOMPILING_EMULATOR does not apply to them: they run natively only.
{ lib, stdenv, fetchurl, cmake }:
stdenv.mkDerivation {
  pname = "cjson";
  version = "1.7.15";
  src = fetchurl {
    url = "mirror://debian/pool/main/c/cjson/cjson_1.7.15.orig.tar.gz";
    hash = "sha256-Uwj9S9kM73qgYFWFFN5qGkoIGZdKJubtE5c8X2JMJLI=";
  };
  nativeBuildInputs = [ cmake ];
  cmakeFlags = [ "-DENABLE_CJSON_TEST=ON" "-DENABLE_CUSTOM_COMPILER_FLAGS=OFF" ];
  doCheck = stdenv.buildPlatform.canExecute stdenv.hostPlatform;
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
