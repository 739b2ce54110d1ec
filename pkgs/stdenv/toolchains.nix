# The build machine's compilers from Debian, by the platform they compile for.
# Each entry names the Debian packages whose files the wrapper relies on: their
# dpkg file lists (`<dpkgInfoDir>/<pkg>.md5sums`, which change exactly when
# the package's files change) are hashed into the wrapper derivation, so that
# every store path built with a toolchain changes when the toolchain does.
#
# `status` answers, without failing, whether a platform's toolchain is usable
# here (what `xnix doctor` reads); `forPlatform` and `clangFor` give the
# toolchain itself and fail with the same reason when it is not.
{ lib
  # Where dpkg keeps its per-package files. Only tests point it elsewhere (an
  # empty directory stands for a machine with nothing installed).
, dpkgInfoDir ? "/var/lib/dpkg/info"
}:
let
  # A GNU cross toolchain installed as `/usr/bin/<triple>-gcc` with its C
  # library under `/usr/<triple>` (Debian's `<multiarch>-cross` packages).
  # `gcc-<triple>` only recommends the C library's headers, and install-deps
  # installs without recommendations: both are named for apt-get.
  gnuCross = { triple, debArch, aptName ? triple, extraDebs ? [ ], extraApt ? [ ], aptNote ? "" }: {
    kind = "gcc";
    binPrefix = "/usr/bin/${triple}-";
    cc = "/usr/bin/${triple}-gcc-12";
    cxx = "/usr/bin/${triple}-g++-12";
    sysroot = "/usr/${triple}";
    aptPackages = [ "gcc-${aptName}" "libc6-dev-${debArch}-cross" ] ++ extraApt;
    inherit aptNote;
    debs = [ "gcc-12-${triple}" "cpp-12-${triple}" "binutils-${triple}" "libc6-dev-${debArch}-cross" "libgcc-12-dev-${debArch}-cross" ] ++ extraDebs;
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
    # The build machine runs i686 programs itself (tests during builds, without
    # an emulator), through the loader and C library of Debian's i386
    # architecture: part of the toolchain.
    "i686-unknown-linux-gnu" = gnuCross {
      triple = "i686-linux-gnu";
      debArch = "i386";
      extraDebs = [ "libc6:i386" ];
      extraApt = [ "libc6:i386" ];
      aptNote = "; libc6:i386 needs the i386 architecture first: `dpkg --add-architecture i386 && apt-get update`";
    };
    "powerpc64le-unknown-linux-gnu" = gnuCross { triple = "powerpc64le-linux-gnu"; debArch = "ppc64el"; };
    # lld (14) has no SystemZ support: no clang stdenv (clang with GNU ld would need other wrapper flags).
    "s390x-unknown-linux-gnu" = gnuCross { triple = "s390x-linux-gnu"; debArch = "s390x"; } // { lld = false; };
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

  infoFile = deb: "${dpkgInfoDir}/${deb}.md5sums";
  installed = deb: builtins.pathExists (infoFile deb);

  # What a toolchain needs, in the order of its identity: each Debian package
  # with the `apt-get install` arguments that bring it (and a note to show with them).
  need = apt: note: deb: { inherit deb apt note; };
  baseNeeds = map (d: need [ d ] "" d) baseDebs;

  missingMessage = platformConfig: n:
    "xnixpkgs: the toolchain for ${platformConfig} needs the Debian package `${n.deb}` on the build machine; install it with `apt-get install ${lib.concatStringsSep " " n.apt}`${n.note} (or run scripts/install-deps test)";
  noLldMessage = platformConfig:
    "xnixpkgs: no clang toolchain for ${platformConfig}: Debian's lld cannot link for it; use the gcc stdenv (without useLLVM)";
  unknownMessage = platformConfig:
    "xnixpkgs: no build-machine toolchain is known for ${platformConfig}; supported: ${lib.concatStringsSep ", " (builtins.attrNames byConfig)}";

  # The identity of one Debian package: "<pkg>=<sha256 of its md5sums>".
  debIdentity = platformConfig: n:
    if installed n.deb then "${n.deb}=${builtins.hashFile "sha256" (infoFile n.deb)}"
    else throw (missingMessage platformConfig n);

  # The GNU toolchain of a platform: its needs, and the toolchain with its identity.
  gnuNeeds = t: map (need t.aptPackages (t.aptNote or "")) t.debs ++ baseNeeds;
  gnuFor = p: t:
    t // {
      alwaysStatic = t.alwaysStatic or false;
      identity = map (debIdentity p.config) (gnuNeeds t)
        ++ map (debIdentity p.config) (map (need t.aptPackages "") (builtins.filter installed t.optionalDebs));
      hasCxx = t.cxx != null && builtins.pathExists t.cxx;
    };

  clangApt = [ "clang" "lld" ];
  clangNeeds = gnu: map (need clangApt "") [ "clang-14" "libclang-common-14-dev" "lld-14" ]
    ++ map (need gnu.aptPackages (gnu.aptNote or "")) gnu.debs ++ baseNeeds;
  clangFor' = p: gnu: {
    kind = "clang";
    inherit (gnu) binPrefix sysroot;
    cc = "/usr/bin/clang-14";
    cxx = "/usr/bin/clang++-14";
    alwaysStatic = gnu.alwaysStatic or false;
    identity = map (debIdentity p.config) (clangNeeds gnu);
    hasCxx = true;
    # clang names the GNU triple of the installed cross libraries as its target.
    clangTarget = lib.removePrefix "/usr/bin/" (builtins.substring 0 (builtins.stringLength gnu.binPrefix - 1) gnu.binPrefix);
  };

  # The status of a toolchain with these needs (null: none is known).
  statusOf = p: kind: aptPackages: needs:
    if needs == null then {
      inherit kind;
      config = p.config;
      known = false;
      available = false;
      aptPackages = [ ];
      missingDebs = [ ];
      install = [ ];
      reason = unknownMessage p.config;
    } else
      let missing = builtins.filter (n: !installed n.deb) needs;
      in {
        inherit kind aptPackages;
        config = p.config;
        known = true;
        available = missing == [ ];
        missingDebs = map (n: n.deb) missing;
        install = lib.unique (builtins.concatLists (map (n: n.apt) missing));
        reason = if missing == [ ] then "" else missingMessage p.config (builtins.head missing);
      };
in
{
  # The toolchain for platform `p` (elaborated), with `identity`: the list of
  # package identities, failing with an apt hint when one is missing.
  forPlatform = p: gnuFor p (byConfig.${p.config} or (throw (unknownMessage p.config)));

  # clang/lld from Debian (clang-14), for `clangStdenv`/`useLLVM`; the C
  # library and crt files still come from the GNU toolchain of the platform.
  clangFor = p:
    let gnu = byConfig.${p.config} or (throw "xnixpkgs: no build-machine toolchain is known for ${p.config}");
    in if gnu.lld or true then clangFor' p gnu else throw (noLldMessage p.config);

  # Whether the toolchain `forPlatform p` (or, with `clang = true`, `clangFor p`)
  # is usable on this machine, as data and without failing:
  #   { config; kind = "gcc" | "clang"; known; available;
  #     aptPackages   the Debian packages that provide the toolchain ([] when none is known)
  #     missingDebs   the dpkg packages it needs that are not installed
  #     install       what to `apt-get install` to make it available ([] when it is, or none is known)
  #     reason        why it is not available: the error building with it gives ("" when it is) }
  status = { clang ? false }: p:
    let gnu = byConfig.${p.config} or null; in
    if clang && gnu != null && !(gnu.lld or true) then statusOf p "clang" [ ] null // { reason = noLldMessage p.config; }
    else if clang then statusOf p "clang" (if gnu == null then [ ] else lib.unique (clangApt ++ gnu.aptPackages)) (if gnu == null then null else clangNeeds gnu)
    else statusOf p "gcc" (if gnu == null then [ ] else gnu.aptPackages) (if gnu == null then null else gnuNeeds gnu);
}
