# less: autotools, over ncurses (its terminal capabilities).
{ lib, stdenv, buildPackages, fetchurl, ncurses }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "less";
  version = "590";
  src = fetchurl {
    url = "mirror://debian/pool/main/l/less/less_590.orig.tar.gz";
    hash = "sha256-aq31S+i/V9DimZo8XWex3mOAi7kN6493sCjq+uOgjhA=";
  };
  buildInputs = [ ncurses ];
  # POSIX regular expressions from the C library (a cross build cannot run
  # configure's test of them).
  configureFlags = [ "--with-regex=posix" ];
  # Not writing to a terminal, less copies its input.
  postInstall = lib.optionalString canRunHost ''
    [ "$(echo "hello less" | $emulator $out/bin/less)" = "hello less" ]
  '';
  meta.platforms = lib.systems.doubles.linux;
}
