# PCRE2: autotools; the library (8-bit), pcre2grep and pcre2test, with the
# just-in-time compiler where it supports the processor.
{ lib, stdenv, buildPackages, fetchurl }:
let
  hp = stdenv.hostPlatform;
  canRunHost = !hp.isWindows && (stdenv.buildPlatform.canExecute hp || hp.emulatorAvailable buildPackages);
in
stdenv.mkDerivation {
  pname = "pcre2";
  version = "10.42";
  src = fetchurl {
    url = "mirror://debian/pool/main/p/pcre2/pcre2_10.42.orig.tar.gz";
    hash = "sha256-wztBjjuTbuMVPeLGHMY45+T+MVYCKlx30HEby7nWTx8=";
  };
  outputs = [ "out" "dev" ];
  configureFlags = [ "--enable-jit=auto" ];
  postInstall = ''
    rm -rf $out/share/doc
    # It prints the include directory: it belongs with the headers.
    moveToOutput bin/pcre2-config "$dev"
  '' + lib.optionalString canRunHost ''
    [ "$(echo abc123def | $emulator $out/bin/pcre2grep -o '[0-9]+')" = 123 ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
