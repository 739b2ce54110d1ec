# GNU hello: an autotools package.
{ lib, stdenv, fetchurl }:
stdenv.mkDerivation {
  pname = "hello";
  version = "2.10";
  src = fetchurl {
    url = "mirror://debian/pool/main/h/hello/hello_2.10.orig.tar.gz";
    hash = "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=";
  };
  doCheck = true;
  # Its tests run the program itself: through the emulator when cross compiling.
  checkPhase = ''
    runHook preCheck
    out_=$($emulator ./hello)
    echo "$out_"
    [ "$out_" = "Hello, world!" ]
    runHook postCheck
  '';
  meta = {
    description = "A program that produces a familiar, friendly greeting";
    platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
  };
}
