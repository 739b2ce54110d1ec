# XZ Utils: autotools; the xz program and the liblzma library.
{ lib, stdenv, buildPackages, fetchurl }:
let
  # Whether programs built here for the host can run during the build.
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
  exe = if stdenv.hostPlatform.isWindows then ".exe" else "";
in
stdenv.mkDerivation {
  pname = "xz";
  version = "5.4.1";
  src = fetchurl {
    url = "mirror://debian/pool/main/x/xz-utils/xz-utils_5.4.1.orig.tar.xz";
    hash = "sha256-XZgnqhh1shwoj3iGS7JtJlC0NuqNLK02Tkkh62JmpaU=";
  };
  # Headers, liblzma.pc and (next to the shared library) liblzma.a go to `dev`.
  outputs = [ "out" "dev" ];
  configureFlags = [ "--disable-nls" "--disable-doc" ];
  # A round trip through the installed program (under the emulator when
  # cross compiling): in the build tree it is a libtool wrapper script. The
  # full test suite takes long under qemu.
  postInstall = lib.optionalString canRunHost ''
    echo "hello xz" | $emulator $out/bin/xz${exe} -9 -c > t.xz
    [ "$($emulator $out/bin/xz${exe} -dc t.xz | tr -d '\r')" = "hello xz" ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
