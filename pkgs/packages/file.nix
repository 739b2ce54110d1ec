# file and libmagic: autotools. The magic database is compiled by a `file`
# of the same version: a cross build runs the build machine's (from the
# collection). Compressed files are looked into with zlib, xz and zstd (the
# collection's bzip2 is a static library only, which libmagic.so cannot take).
{ lib, stdenv, buildPackages, fetchurl, zlib, xz, zstd }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "file";
  version = "5.44";
  src = fetchurl {
    url = "mirror://debian/pool/main/f/file/file_5.44.orig.tar.gz";
    hash = "sha256-N1HH+6jbyDHLjXzIr/IQNUWbjOUVXviwiAon0ChHXzs=";
  };
  outputs = [ "out" "dev" ];
  nativeBuildInputs = lib.optional stdenv.isCross buildPackages.file;
  buildInputs = [ zlib xz zstd ];
  configureFlags = [ "--disable-libseccomp" "--enable-zlib" "--disable-bzlib" "--enable-xzlib" "--enable-zstdlib" ];
  postInstall = lib.optionalString canRunHost ''
    [ "$(echo hello | $emulator $out/bin/file -b -)" = "ASCII text" ]
  '';
  meta.platforms = lib.systems.doubles.linux;
}
