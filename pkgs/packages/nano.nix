# GNU nano: autotools, over ncurses (the wide-character library).
{ lib, stdenv, buildPackages, fetchurl, pkg-config, ncurses }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "nano";
  version = "7.2";
  src = fetchurl {
    url = "mirror://debian/pool/main/n/nano/nano_7.2.orig.tar.xz";
    hash = "sha256-hvNEJ2i9KHPOxpP4PN+AtLRErTzBR2C3Q2FHT8h6RSY=";
  };
  nativeBuildInputs = [ pkg-config ];
  buildInputs = [ ncurses ];
  # No libmagic (file type detection for syntax colouring): the build
  # machine's would be found.
  configureFlags = [ "--disable-nls" "--disable-libmagic" ];
  postInstall = ''
    rm -rf $out/share/doc $out/share/info
  '' + lib.optionalString canRunHost ''
    $emulator $out/bin/nano --version | grep -q 'GNU nano, version 7.2'
  '';
  meta.platforms = lib.systems.doubles.linux;
}
