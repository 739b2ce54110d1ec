# Dropbear: a small SSH server and client; autotools with its bundled
# libtomcrypt. Logins are by public key only: password logins need crypt(),
# which Debian's cross sysroots lack (the build machine's libcrypt is not
# used either, so that every target gets the same program).
{ lib, stdenv, buildPackages, fetchurl, zlib }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
  programs = "dropbear dbclient dropbearkey dropbearconvert scp";
in
stdenv.mkDerivation {
  pname = "dropbear";
  version = "2022.83";
  src = fetchurl {
    url = "mirror://debian/pool/main/d/dropbear/dropbear_2022.83.orig.tar.bz2";
    hash = "sha256-vFoSH/vJS1FxrV6+Ab5CdG1Qqnl8lUmkY5iUoWdJRDs=";
  };
  buildInputs = [ zlib ];
  configureFlags = [
    "--enable-bundled-libtom"
    "ac_cv_func_crypt=no"
    "ac_cv_lib_crypt_crypt=no"
  ];
  # Options over default_options.h: the server takes no password logins
  # (the client still offers passwords to other servers).
  postPatch = ''
    cat > localoptions.h <<'H'
    #define DROPBEAR_SVR_PASSWORD_AUTH 0
    #define DROPBEAR_CLI_PASSWORD_AUTH 1
    H
  '';
  # PROGRAMS is one make variable whose value has spaces (makeFlags would
  # split it): the Makefile compiles the shared objects with the server's
  # and the client's code when it names both.
  buildPhase = ''
    runHook preBuild
    make -j"$NIX_BUILD_CORES" SHELL=/bin/bash PROGRAMS="${programs}"
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    make SHELL=/bin/bash PROGRAMS="${programs}" install
    runHook postInstall
  '';
  postInstall = lib.optionalString canRunHost ''
    [ "$($emulator $out/bin/dropbearkey -t ed25519 -f key | grep -o '^ssh-ed25519')" = ssh-ed25519 ]
  '';
  meta.platforms = lib.systems.doubles.linux;
}
