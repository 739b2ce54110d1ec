# pigz: a plain Makefile, a program using the zlib library.
{ lib, stdenv, fetchurl, zlib }:
stdenv.mkDerivation {
  pname = "pigz";
  version = "2.8";
  src = fetchurl {
    url = "mirror://debian/pool/main/p/pigz/pigz_2.8.orig.tar.xz";
    hash = "sha256-vsNPnWHii5sGnanv1T5z0izSB6R5jtZkgy3JsXqkhqo=";
  };
  buildInputs = [ zlib ];
  dontConfigure = true;
  buildPhase = ''
    make -j$NIX_BUILD_CORES CC="$CC" pigz
  '';
  doCheck = true;
  checkPhase = ''
    echo "hello pigz" | $emulator ./pigz -c | $emulator ./pigz -dc | grep -q "hello pigz"
  '';
  installPhase = ''
    mkdir -p $out/bin
    cp pigz $out/bin/
    ln -s pigz $out/bin/unpigz
  '';
  # pthreads and POSIX I/O: no Windows build upstream.
  meta.platforms = lib.systems.doubles.linux;
}
