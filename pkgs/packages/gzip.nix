# GNU gzip: autotools (gnulib). zcat, gunzip and the other helpers are
# scripts for the host's /bin/sh.
{ lib, stdenv, buildPackages, fetchurl }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "gzip";
  version = "1.12";
  src = fetchurl {
    url = "mirror://debian/pool/main/g/gzip/gzip_1.12.orig.tar.xz";
    hash = "sha256-zl4D5Rn2N+H4FAEazjXE+HszwLur7sNbr1+9NHnpGVY=";
  };
  postInstall = lib.optionalString canRunHost ''
    [ "$(echo "hello gzip" | $emulator $out/bin/gzip -9 | $emulator $out/bin/gzip -d)" = "hello gzip" ]
  '';
  meta.platforms = lib.systems.doubles.linux;
}
