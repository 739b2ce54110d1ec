# OpenSSL 3: its own Perl `Configure` script, which names a target per
# platform, and plain Makefiles. Built without the test suite and the manuals.
# With musl (Debian's musl-gcc has no Linux kernel headers) the parts that
# include them are left out: the AF_ALG engine and the mlock'ed secure heap.
{ lib, stdenv, buildPackages, fetchurl }:
let
  hp = stdenv.hostPlatform;
  static = hp.isStatic || hp.isMusl;
  canRunHost = stdenv.buildPlatform.canExecute hp || hp.emulatorAvailable buildPackages;
  exe = if hp.isWindows then ".exe" else "";
  # OpenSSL's name of the host platform (Configurations/10-main.conf).
  target =
    if hp.isWindows then (if hp.is64bit then "mingw64" else "mingw")
    else if hp.isx86_64 then "linux-x86_64"
    else if hp.isx86_32 then "linux-x86"
    else if hp.isAarch64 then "linux-aarch64"
    else if hp.isRiscV64 then "linux64-riscv64"
    else if hp.isAarch32 then "linux-armv4"
    else if hp.isPower64 && hp.isLittleEndian then "linux-ppc64le"
    else if hp.isPower64 then "linux-ppc64"
    else if hp.isS390x then "linux64-s390x"
    else if hp.isMips64 then "linux64-mips64"
    else if hp.isMips32 then "linux-mips32"
    else if hp.is64bit then "linux-generic64"
    else "linux-generic32";
in
stdenv.mkDerivation {
  pname = "openssl";
  version = "3.0.20";
  src = fetchurl {
    url = "mirror://debian/pool/main/o/openssl/openssl_3.0.20.orig.tar.gz";
    hash = "sha256-yAoB38cOzk3CEWiTLDdzkELUBNRszIGlmG3XUxTs2m8=";
  };
  outputs = [ "out" "dev" ];
  # Configure takes the toolchain from CC, AR, RANLIB, RC in the environment.
  configurePhase = ''
    runHook preConfigure
    patchShebangs ./Configure ./config
    perl ./Configure ${target} --prefix=$out --libdir=lib --openssldir=$out/etc/ssl \
      ${if static then "no-shared" else "shared"} no-tests \
      ${lib.optionalString hp.isMusl "no-afalgeng no-secure-memory"} \
      ${lib.optionalString hp.isLinux "-Wl,-rpath,$out/lib"}
  '' + lib.optionalString (hp.isLinux && !static) ''
    # A shared build compiles every library source twice, once for the
    # archives (libcrypto.a, libssl.a) and once for the shared libraries:
    # only the shared ones are built and installed, which halves the build.
    sed -i -e 's|^LIBS=apps/libapps.a libcrypto.a libssl.a |LIBS=apps/libapps.a |' \
      -e 's|^INSTALL_LIBS=.*|INSTALL_LIBS=|' Makefile
    grep -q '^LIBS=apps/libapps.a providers/' Makefile
  '' + ''
    runHook postConfigure
  '';
  buildFlags = [ "build_sw" ];
  installTargets = "install_sw install_ssldirs";
  postInstall = ''
    # The headers and pkg-config files go to `dev` with fixup.
  '' + lib.optionalString (canRunHost && !hp.isWindows) ''
    [ "$(printf abc | $emulator $out/bin/openssl${exe} dgst -sha256 -r | cut -c1-16)" = ba7816bf8f01cfea ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
