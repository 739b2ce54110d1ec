# iproute2: `ip` and `bridge`, the Linux network configuration tools. Its
# own configure script (probing with $CC and pkg-config) and plain Makefiles.
# Only the parts that need nothing beyond the C library and no parser
# generator: tc and ss (their parsers need bison), netem's tables (a program
# run at build time) and the tools over libmnl are left out.
{ lib, stdenv, buildPackages, fetchurl, pkg-config }:
let
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
  subdirs = "lib ip bridge";
  # The directories compiled into the programs and used by `make install`.
  dirs = ''PREFIX="$out" SBINDIR="$out/sbin" CONFDIR="$out/etc/iproute2" ARPDDIR="$out/var/lib/arpd"'';
in
stdenv.mkDerivation {
  pname = "iproute2";
  version = "6.1.0";
  src = fetchurl {
    url = "mirror://debian/pool/main/i/iproute2/iproute2_6.1.0.orig.tar.xz";
    hash = "sha256-XOEqD+xrIScl7yGHNZQbLat2JE235yZGp2AhsFN7Q6s=";
  };
  # pkg-config finds none of the optional libraries (libmnl, libelf, libcap,
  # libbpf, SELinux) in the inputs: they are left out, not taken from the
  # build machine.
  nativeBuildInputs = [ pkg-config ];
  configurePhase = ''
    runHook preConfigure
    # Only the inputs' pkg-config files (none), not the build machine's.
    PKG_CONFIG_LIBDIR= ./configure --prefix="$out" --libdir="$out/lib" --libbpf_force=off
    runHook postConfigure
  '';
  # CC on the command line: the Makefile sets `CC := gcc`.
  buildPhase = ''
    runHook preBuild
    make -j"$NIX_BUILD_CORES" SHELL=/bin/bash CC="$CC" AR="$AR" SUBDIRS="${subdirs}" ${dirs}
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    make SHELL=/bin/bash CC="$CC" AR="$AR" SUBDIRS="${subdirs}" ${dirs} install
    runHook postInstall
  '';
  postInstall = ''
    rm -rf $out/share/bash-completion $out/include $out/var
  '' + lib.optionalString canRunHost ''
    $emulator $out/sbin/ip -V | grep -q 'iproute2-6.1.0'
  '';
  meta.platforms = lib.systems.doubles.linux;
}
