# SQLite from its full source tree: autotools, with generators (lemon,
# mkkeywordhash) compiled for the build machine by CC_FOR_BUILD and Tcl
# scripts that assemble the amalgamation.
{ lib, stdenv, fetchurl, buildPackages, tcl, zlib }:
stdenv.mkDerivation {
  pname = "sqlite";
  version = "3.40.1";
  src = fetchurl {
    url = "mirror://debian/pool/main/s/sqlite3/sqlite3_3.40.1.orig.tar.xz";
    hash = "sha256-qqd2Jgq03Jdts0qniRgZSEyGdrWyeDEj68YwHiyl1lU=";
  };
  # As nixpkgs: the shell in `bin` (the default output), the library in
  # `out`, headers, sqlite3.pc and libsqlite3.a in `dev`.
  outputs = [ "bin" "dev" "out" ];
  depsBuildBuild = [ buildPackages.stdenv.cc ];
  nativeBuildInputs = [ tcl ];
  buildInputs = [ zlib ];
  configureFlags = [ "--disable-tcl" "--disable-readline" "--disable-editline" "--enable-threadsafe" ];
  # The generators run on the build machine: compile them with its compiler.
  preConfigure = ''
    export BCC="$CC_FOR_BUILD"
  '';
  # For a Windows host configure gives the build-machine generators an .exe
  # suffix the Tcl scripts do not expect: they are Linux programs here.
  preBuild = ''
    makeFlags="BCC=$CC_FOR_BUILD${lib.optionalString stdenv.hostPlatform.isWindows " BEXE="}"
  '';
  # configure learns a cross-compiled host's executable suffix (and so
  # whether to build the Windows VFS) from this variable only.
  config_TARGET_EXEEXT = if stdenv.hostPlatform.isWindows then ".exe" else null;
  doCheck = true;
  checkPhase = ''
    [ "$(echo 'select 6*7;' | $emulator ./sqlite3${if stdenv.hostPlatform.isWindows then ".exe" else ""} | tr -d '\r')" = 42 ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
