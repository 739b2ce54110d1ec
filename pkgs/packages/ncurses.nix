# ncurses: autotools-style configure. Wide-character build (libncursesw), with
# the plain names (libncurses, -lcurses, ncurses.pc) linked to it, as most
# programs ask for those. Installing compiles the terminfo database with
# `tic`: a cross build takes it from the build machine's ncurses.
{ lib, stdenv, buildPackages, fetchurl, pkg-config }:
let
  static = stdenv.hostPlatform.isStatic || stdenv.hostPlatform.isMusl;
  soExt = if static then "a" else "so";
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "ncurses";
  version = "6.4";
  src = fetchurl {
    url = "mirror://debian/pool/main/n/ncurses/ncurses_6.4.orig.tar.gz";
    hash = "sha256-aTEoPZrIfFBz8wtikMTHXyFjK7T8NgOsgQCBK+0kgVk=";
  };
  outputs = [ "out" "dev" ];
  # Its own generators (make_hash, make_keys) are compiled for the build machine.
  depsBuildBuild = [ buildPackages.stdenv.cc ];
  nativeBuildInputs = [ pkg-config ]
    ++ lib.optional stdenv.isCross buildPackages.ncurses;
  # configure takes the options of the shared build (--with-shared), not
  # --enable-shared/--disable-shared.
  dontAddStaticConfigureFlags = true;
  configureFlags = [
    "--enable-widec"
    "--enable-pc-files"
    "--enable-symlinks"
    "--enable-overwrite"
    "--without-ada"
    "--without-cxx"
    "--without-cxx-binding"
    "--without-manpages"
    "--without-tests"
    "--without-debug"
    # `install -s` would run the build machine's strip on the host's programs.
    "--disable-stripping"
  ] ++ lib.optionals (!static) [
    "--with-shared"
    # Shared libraries only: the static ones would double the compilation.
    "--without-normal"
  ];
  # Its configure (an old autoconf) rejects --docdir and friends: the
  # directories of the outputs are given here.
  setOutputFlags = false;
  preConfigure = ''
    configureFlags="$configureFlags --with-build-cc=$CC_FOR_BUILD --includedir=$dev/include --with-pkg-config-libdir=$out/lib/pkgconfig"
  '';
  # The names without the wide-character suffix, for programs linking
  # -lncurses, -lcurses, -ltinfo or asking pkg-config for ncurses.
  postInstall = ''
    # It prints the include directory: it belongs with the headers.
    moveToOutput "bin/ncursesw*-config" "$dev"
    for l in ncurses form panel menu; do
      ln -s lib''${l}w.${soExt} $out/lib/lib$l.${soExt}
      ln -s ''${l}w.pc $out/lib/pkgconfig/$l.pc
    done
    ln -s libncursesw.${soExt} $out/lib/libcurses.${soExt}
    ln -s libncursesw.${soExt} $out/lib/libtinfo.${soExt}
    ln -s ncursesw.pc $out/lib/pkgconfig/tinfo.pc
    ${lib.optionalString canRunHost ''
      # The installed tput reads the installed terminfo database.
      [ "$($emulator $out/bin/tput -T vt100 cols)" = 80 ]
    ''}
  '';
  meta.platforms = lib.systems.doubles.linux;
}
