# The build machine's compilers from Debian, by the platform they compile for.
# Each entry names the Debian packages whose files the wrapper relies on: their
# dpkg file lists (`/var/lib/dpkg/info/<pkg>.md5sums`, which change exactly when
# the package's files change) are hashed into the wrapper derivation, so that
# every store path built with a toolchain changes when the toolchain does.
{ lib }:
let
  # A GNU cross toolchain installed as `/usr/bin/<triple>-gcc` with its C
  # library under `/usr/<triple>` (Debian's `<multiarch>-cross` packages).
  gnuCross = { triple, debArch, aptName ? triple }: {
    kind = "gcc";
    binPrefix = "/usr/bin/${triple}-";
    cc = "/usr/bin/${triple}-gcc-12";
    cxx = "/usr/bin/${triple}-g++-12";
    sysroot = "/usr/${triple}";
    aptPackages = [ "gcc-${aptName}" ];
    debs = [ "gcc-12-${triple}" "cpp-12-${triple}" "binutils-${triple}" "libc6-dev-${debArch}-cross" "libgcc-12-dev-${debArch}-cross" ];
    optionalDebs = [ "g++-12-${triple}" ];
  };

  nativeGnu = {
    kind = "gcc";
    binPrefix = "/usr/bin/x86_64-linux-gnu-";
    cc = "/usr/bin/x86_64-linux-gnu-gcc-12";
    cxx = "/usr/bin/x86_64-linux-gnu-g++-12";
    sysroot = "/";
    aptPackages = [ "gcc" ];
    debs = [ "gcc-12" "cpp-12" "binutils-x86-64-linux-gnu" "libc6-dev:amd64" "libgcc-12-dev:amd64" ];
    optionalDebs = [ "g++-12" ];
  };

  byConfig = {
    "x86_64-unknown-linux-gnu" = nativeGnu;
    "aarch64-unknown-linux-gnu" = gnuCross { triple = "aarch64-linux-gnu"; debArch = "arm64"; };
    "armv7l-unknown-linux-gnueabihf" = gnuCross { triple = "arm-linux-gnueabihf"; debArch = "armhf"; };
    "armv6l-unknown-linux-gnueabihf" = gnuCross { triple = "arm-linux-gnueabihf"; debArch = "armhf"; };
    "riscv64-unknown-linux-gnu" = gnuCross { triple = "riscv64-linux-gnu"; debArch = "riscv64"; };
    "i686-unknown-linux-gnu" = gnuCross { triple = "i686-linux-gnu"; debArch = "i386"; };
    "powerpc64le-unknown-linux-gnu" = gnuCross { triple = "powerpc64le-linux-gnu"; debArch = "ppc64el"; };
    "s390x-unknown-linux-gnu" = gnuCross { triple = "s390x-linux-gnu"; debArch = "s390x"; };
    "mips-unknown-linux-gnu" = gnuCross { triple = "mips-linux-gnu"; debArch = "mips"; };
    "mipsel-unknown-linux-gnu" = gnuCross { triple = "mipsel-linux-gnu"; debArch = "mipsel"; };
    "mips64el-unknown-linux-gnuabi64" = gnuCross { triple = "mips64el-linux-gnuabi64"; debArch = "mips64el"; };
    "x86_64-w64-mingw32" = {
      kind = "gcc";
      binPrefix = "/usr/bin/x86_64-w64-mingw32-";
      cc = "/usr/bin/x86_64-w64-mingw32-gcc-win32";
      cxx = "/usr/bin/x86_64-w64-mingw32-g++-win32";
      sysroot = null;
      aptPackages = [ "gcc-mingw-w64-x86-64" ];
      debs = [ "gcc-mingw-w64-x86-64-win32" "gcc-mingw-w64-x86-64-win32-runtime" "gcc-mingw-w64-base:amd64" "binutils-mingw-w64-x86-64" "mingw-w64-x86-64-dev" "mingw-w64-common" ];
      optionalDebs = [ "g++-mingw-w64-x86-64-win32" ];
    };
    # musl-gcc drives the native gcc with musl's specs; everything links statically.
    "x86_64-unknown-linux-musl" = nativeGnu // {
      cc = "/usr/bin/musl-gcc";
      cxx = null;
      sysroot = "/usr/lib/musl";
      aptPackages = [ "musl-tools" ];
      debs = nativeGnu.debs ++ [ "musl-tools" "musl-dev:amd64" "musl:amd64" ];
      optionalDebs = [ ];
      alwaysStatic = true;
    };
  };

  # The build machine's tools every builder runs (bash, make, coreutils, ...):
  # part of each compiler wrapper's identity too, so that builds change with them.
  baseDebs = [ "bash" "make" "coreutils" "tar" "sed" "grep" "findutils" "diffutils" "patch" "gzip" "bzip2" "xz-utils" ];

  infoFile = deb: "/var/lib/dpkg/info/${deb}.md5sums";

  # The identity of one Debian package: "<pkg>:<sha256 of its md5sums>".
  debIdentity = platformConfig: apt: deb:
    if builtins.pathExists (infoFile deb) then "${deb}=${builtins.hashFile "sha256" (infoFile deb)}"
    else throw "xnixpkgs: the toolchain for ${platformConfig} needs the Debian package `${deb}` on the build machine; install it with `apt-get install ${lib.concatStringsSep " " apt}` (or run scripts/install-deps test)";
in
{
  # The toolchain for platform `p` (elaborated), with `identity`: the list of
  # package identities, failing with an apt hint when one is missing.
  forPlatform = p:
    let t = byConfig.${p.config} or (throw "xnixpkgs: no build-machine toolchain is known for ${p.config}; supported: ${lib.concatStringsSep ", " (builtins.attrNames byConfig)}");
    in
    t // {
      alwaysStatic = t.alwaysStatic or false;
      identity = map (debIdentity p.config t.aptPackages) t.debs
        ++ map (d: debIdentity p.config [ d ] d) baseDebs
        ++ map (debIdentity p.config t.aptPackages) (builtins.filter (d: builtins.pathExists (infoFile d)) t.optionalDebs);
      hasCxx = t.cxx != null && builtins.pathExists t.cxx;
    };

  # clang/lld from Debian (clang-14), for `clangStdenv`/`useLLVM`; the C
  # library and crt files still come from the GNU toolchain of the platform.
  clangFor = p:
    let gnu = byConfig.${p.config} or (throw "xnixpkgs: no build-machine toolchain is known for ${p.config}");
    in
    {
      kind = "clang";
      inherit (gnu) binPrefix sysroot;
      cc = "/usr/bin/clang-14";
      cxx = "/usr/bin/clang++-14";
      alwaysStatic = gnu.alwaysStatic or false;
      identity = map (debIdentity p.config [ "clang" "lld" ]) ([ "clang-14" "libclang-common-14-dev" "lld-14" ] ++ gnu.debs)
        ++ map (d: debIdentity p.config [ d ] d) baseDebs;
      hasCxx = true;
      # clang names the GNU triple of the installed cross libraries as its target.
      clangTarget = lib.removePrefix "/usr/bin/" (builtins.substring 0 (builtins.stringLength gnu.binPrefix - 1) gnu.binPrefix);
    };
}
