# inih: a Meson project. Its tests run the programs from a shell script, which
# meson's exe_wrapper does not reach: they run natively only.
{ lib, stdenv, fetchurl, meson, ninja, pkg-config }:
stdenv.mkDerivation {
  pname = "inih";
  version = "59";
  src = fetchurl {
    url = "mirror://debian/pool/main/libi/libinih/libinih_59.orig.tar.gz";
    hash = "sha256-BiJ5kigF9emjaVUaCNXdtQYUD+UHdBg//bt8IruX4/Q=";
  };
  nativeBuildInputs = [ meson ninja pkg-config ];
  mesonFlags = [ "-Ddistro_install=true" "-Dwith_INIReader=false" ];
  doCheck = stdenv.buildPlatform.canExecute stdenv.hostPlatform;
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
