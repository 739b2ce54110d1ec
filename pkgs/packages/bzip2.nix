# bzip2: a plain Makefile (its `all` target runs tests, so targets are named).
{ lib, stdenv, fetchurl }:
stdenv.mkDerivation {
  pname = "bzip2";
  version = "1.0.8";
  src = fetchurl {
    url = "mirror://debian/pool/main/b/bzip2/bzip2_1.0.8.orig.tar.gz";
    hash = "sha256-q1oDF27hBtPw+pDjgdpHjdrkBZGBU8yiSOaCzQxKImk=";
  };
  dontConfigure = true;
  buildPhase = ''
    make -j$NIX_BUILD_CORES CC="$CC" AR="$AR" RANLIB="$RANLIB" libbz2.a bzip2 bzip2recover
  '';
  doCheck = true;
  checkPhase = ''
    $emulator ./bzip2 -1 < sample1.ref > sample1.rb2
    cmp sample1.bz2 sample1.rb2
    $emulator ./bzip2 -d < sample2.bz2 | cmp - sample2.ref
  '';
  installPhase = ''
    make install CC="$CC" AR="$AR" RANLIB="$RANLIB" PREFIX=$out
  '';
  # The Makefile installs by running the programs' names; no MinGW support upstream here.
  meta.platforms = lib.systems.doubles.linux;
}
