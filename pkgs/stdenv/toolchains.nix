# The build machine's compilers from Debian, by the platform they compile for
# and the compiler's major version. Each toolchain names the Debian packages
# whose files the wrapper relies on: their dpkg file lists
# (`<dpkgInfoDir>/<pkg>.md5sums`, which change exactly when the package's
# files change) are hashed into the wrapper derivation, so that every store
# path built with a toolchain changes when the toolchain does. The version a
# wrapper's name carries is the compiler package's, from dpkg's status file.
#
# `status` answers, without failing, whether a toolchain is usable here (what
# `xnix doctor` reads); `gccFor` and `clangFor` give the toolchain itself and
# fail with the same reason when it is not.
{ lib
  # Where dpkg keeps its per-package files. Only tests point it elsewhere (an
  # empty directory stands for a machine with nothing installed).
, dpkgInfoDir ? "/var/lib/dpkg/info"
  # dpkg's list of installed packages with their versions, next to `info/`.
, dpkgStatusFile ? "${dirOf dpkgInfoDir}/status"
}:
let
  # Debian bookworm's default compilers: what its unversioned `gcc`,
  # `gcc-<triple>` and `clang` packages bring.
  defaultGccVersion = "12";
  defaultClangVersion = "14";
  # The gcc major versions bookworm ships for most of its cross targets.
  bookwormGccVersions = [ "11" "12" ];
  # The clang/lld versions bookworm ships (the same for every target).
  clangVersions = [ "13" "14" "15" "16" ];

  # A GNU cross toolchain installed as `/usr/bin/<triple>-gcc-<version>` with
  # its C library under `/usr/<triple>` (Debian's `<multiarch>-cross` packages).
  # `gcc-<triple>` only recommends the C library's headers, and install-deps
  # installs without recommendations: both are named for apt-get.
  gnuCross = { triple, debArch, gccVersions ? bookwormGccVersions, extraDebs ? [ ], extraApt ? [ ], aptNote ? "" }: {
    inherit gccVersions;
    gcc = v: {
      binPrefix = "/usr/bin/${triple}-";
      cc = "/usr/bin/${triple}-gcc-${v}";
      cxx = "/usr/bin/${triple}-g++-${v}";
      sysroot = "/usr/${triple}";
      # The default version comes with the unversioned package users know.
      aptPackages = [ (if v == defaultGccVersion then "gcc-${triple}" else "gcc-${v}-${triple}") "libc6-dev-${debArch}-cross" ] ++ extraApt;
      inherit aptNote;
      versionDeb = "gcc-${v}-${triple}";
      debs = [ "gcc-${v}-${triple}" "cpp-${v}-${triple}" "binutils-${triple}" "libc6-dev-${debArch}-cross" "libgcc-${v}-dev-${debArch}-cross" ] ++ extraDebs;
      optionalDebs = [ "g++-${v}-${triple}" ];
    };
  };

  nativeGnu = v: {
    binPrefix = "/usr/bin/x86_64-linux-gnu-";
    cc = "/usr/bin/x86_64-linux-gnu-gcc-${v}";
    cxx = "/usr/bin/x86_64-linux-gnu-g++-${v}";
    sysroot = "/";
    aptPackages = [ (if v == defaultGccVersion then "gcc" else "gcc-${v}") ];
    versionDeb = "gcc-${v}";
    debs = [ "gcc-${v}" "cpp-${v}" "binutils-x86-64-linux-gnu" "libc6-dev:amd64" "libgcc-${v}-dev:amd64" ];
    optionalDebs = [ "g++-${v}" ];
  };

  # Debian's mingw-w64 cross compilers (the win32 thread model) for `triple`;
  # `debArch` is how their package names spell the CPU (x86-64, i686).
  mingw = { triple, debArch }: {
    gccVersions = [ "12" ];
    gcc = v: {
      binPrefix = "/usr/bin/${triple}-";
      cc = "/usr/bin/${triple}-gcc-win32";
      cxx = "/usr/bin/${triple}-g++-win32";
      sysroot = null;
      aptPackages = [ "gcc-mingw-w64-${debArch}" ];
      versionDeb = "gcc-mingw-w64-${debArch}-win32";
      debs = [ "gcc-mingw-w64-${debArch}-win32" "gcc-mingw-w64-${debArch}-win32-runtime" "gcc-mingw-w64-base:amd64" "binutils-mingw-w64-${debArch}" "mingw-w64-${debArch}-dev" "mingw-w64-common" ];
      optionalDebs = [ "g++-mingw-w64-${debArch}-win32" ];
    };
  };

  byConfig = {
    "x86_64-unknown-linux-gnu" = { gccVersions = bookwormGccVersions; gcc = nativeGnu; };
    "aarch64-unknown-linux-gnu" = gnuCross { triple = "aarch64-linux-gnu"; debArch = "arm64"; };
    "armv7l-unknown-linux-gnueabihf" = gnuCross { triple = "arm-linux-gnueabihf"; debArch = "armhf"; };
    # Debian's armhf C library and crt files are ARMv7 (Thumb-2) code: programs
    # linked with them run on ARMv7 and later only, whatever the compiler is
    # told (checked under qemu-arm -cpu arm1176: illegal instruction in the C
    # library's start-up code).
    "armv6l-unknown-linux-gnueabihf" = gnuCross { triple = "arm-linux-gnueabihf"; debArch = "armhf"; } // {
      caveat = "Debian's armhf C library is ARMv7 code: programs run on Raspberry Pi 2 and later (ARMv7+), not on ARMv6 boards (Raspberry Pi 1, Zero)";
    };
    # Debian armel: soft-float ABI, C library for ARMv5TE (runs on ARMv5 and later).
    "armv5tel-unknown-linux-gnueabi" = gnuCross { triple = "arm-linux-gnueabi"; debArch = "armel"; };
    # bookworm has no gcc-11 for riscv64 nor for mips.
    "riscv64-unknown-linux-gnu" = gnuCross { triple = "riscv64-linux-gnu"; debArch = "riscv64"; gccVersions = [ "12" ]; };
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
    # lld (up to 16) has no SystemZ support: no clang stdenv (clang with GNU ld would need other wrapper flags).
    "s390x-unknown-linux-gnu" = gnuCross { triple = "s390x-linux-gnu"; debArch = "s390x"; } // { lld = false; };
    "mips-unknown-linux-gnu" = gnuCross { triple = "mips-linux-gnu"; debArch = "mips"; gccVersions = [ "12" ]; };
    "mipsel-unknown-linux-gnu" = gnuCross { triple = "mipsel-linux-gnu"; debArch = "mipsel"; };
    "mips64el-unknown-linux-gnuabi64" = gnuCross { triple = "mips64el-linux-gnuabi64"; debArch = "mips64el"; };
    "mips64-unknown-linux-gnuabi64" = gnuCross { triple = "mips64-linux-gnuabi64"; debArch = "mips64"; };
    # mingw-w64: one gcc, whose package names carry no version (12 in bookworm).
    "x86_64-w64-mingw32" = mingw { triple = "x86_64-w64-mingw32"; debArch = "x86-64"; };
    # The same for 32-bit Windows (PE32).
    "i686-w64-mingw32" = mingw { triple = "i686-w64-mingw32"; debArch = "i686"; };
    # musl-gcc drives the native default gcc with musl's specs; everything links statically.
    "x86_64-unknown-linux-musl" = {
      gccVersions = [ defaultGccVersion ];
      gcc = v: nativeGnu v // {
        cc = "/usr/bin/musl-gcc";
        cxx = null;
        sysroot = "/usr/lib/musl";
        aptPackages = [ "musl-tools" ];
        debs = (nativeGnu v).debs ++ [ "musl-tools" "musl-dev:amd64" "musl:amd64" ];
        optionalDebs = [ ];
        alwaysStatic = true;
      };
    };
  };

  # The build machine's tools every builder runs (bash, make, coreutils, ...):
  # part of each compiler wrapper's identity too, so that builds change with them.
  baseDebs = [ "bash" "make" "coreutils" "tar" "sed" "grep" "findutils" "diffutils" "patch" "gzip" "bzip2" "xz-utils" ];

  infoFile = deb: "${dpkgInfoDir}/${deb}.md5sums";
  installed = deb: builtins.pathExists (infoFile deb);

  # The installed version of a Debian package as upstream numbers it (no
  # epoch, no Debian revision: "12.2.0" for "12.2.0-14cross1"), from dpkg's
  # status file; null when the file does not say.
  dpkgStatus = if builtins.pathExists dpkgStatusFile then "\n" + builtins.readFile dpkgStatusFile else "";
  upstreamVersion = deb:
    let
      # Packages of a foreign architecture appear without their `:arch` suffix.
      name = builtins.head (builtins.match "([^:]*).*" deb);
      literal = builtins.replaceStrings [ "+" "." ] [ "[+]" "[.]" ];
      after = builtins.split "\nPackage: ${literal name}\n" dpkgStatus;
      # The package's paragraph, which ends at an empty line (dpkg writes
      # `Version` among the first, short fields).
      paragraph = builtins.head (builtins.split "\n\n" (builtins.substring 0 4096 (builtins.elemAt after 2)));
      field = builtins.split "\nVersion: ([^\n]+)" ("\n" + paragraph);
      debianVersion = builtins.head (builtins.elemAt field 1);
      upstream = builtins.match "([0-9]+:)?(.*)-[^-]*" debianVersion;
    in
    if builtins.length after < 3 || builtins.length field < 3 then null
    else if upstream == null then lib.last (builtins.match "([0-9]+:)?(.*)" debianVersion)
    else builtins.elemAt upstream 1;
  # The version a wrapper's name carries: the package's, else the major version.
  versionOf = deb: major: let v = upstreamVersion deb; in if v == null then major else v;

  # What a toolchain needs, in the order of its identity: each Debian package
  # with the `apt-get install` arguments that bring it (and a note to show with them).
  need = apt: note: deb: { inherit deb apt note; };
  baseNeeds = map (d: need [ d ] "" d) baseDebs;

  # What is meant by "the toolchain" in messages: "gcc 12", "clang 14".
  label = kind: version: "${kind} ${version}";
  missingMessage = what: platformConfig: n:
    "xnixpkgs: the ${what} toolchain for ${platformConfig} needs the Debian package `${n.deb}` on the build machine; install it with `apt-get install ${lib.concatStringsSep " " n.apt}`${n.note} (or run scripts/install-deps test)";
  noLldMessage = platformConfig:
    "xnixpkgs: no clang toolchain for ${platformConfig}: Debian's lld cannot link for it; use the gcc stdenv (without useLLVM)";
  unknownMessage = platformConfig:
    "xnixpkgs: no build-machine toolchain is known for ${platformConfig}; supported: ${lib.concatStringsSep ", " (builtins.attrNames byConfig)}";
  noVersionMessage = kind: version: platformConfig: versions:
    "xnixpkgs: Debian bookworm has no ${kind} ${version} for ${platformConfig}; the versions it has: ${lib.concatMapStringsSep ", " (v: "${kind}${v}") versions}";

  # The identity of one Debian package: "<pkg>=<sha256 of its md5sums>".
  debIdentity = what: platformConfig: n:
    if installed n.deb then "${n.deb}=${builtins.hashFile "sha256" (infoFile n.deb)}"
    else throw (missingMessage what platformConfig n);

  # Why the compiler `kind` at `version` cannot exist for `p` (null: it can).
  # Everything else that can be wrong is a missing package (see `needsOf`).
  impossible = kind: version: p:
    let entry = byConfig.${p.config} or null; in
    if entry == null then unknownMessage p.config
    else if kind == "clang" && !(entry.lld or true) then noLldMessage p.config
    else if kind == "clang" && !(builtins.elem version clangVersions) then noVersionMessage "clang" version p.config clangVersions
    else if kind == "gcc" && !(builtins.elem version entry.gccVersions) then noVersionMessage "gcc" version p.config entry.gccVersions
    else null;

  gnuRecord = version: p: byConfig.${p.config}.gcc version;

  # The packages a toolchain needs, in the order of its identity.
  gnuNeeds = t: map (need t.aptPackages (t.aptNote or "")) t.debs ++ baseNeeds;
  clangApt = version: if version == defaultClangVersion then [ "clang" "lld" ] else [ "clang-${version}" "lld-${version}" ];
  clangNeeds = version: gnu: map (need (clangApt version) "") [ "clang-${version}" "libclang-common-${version}-dev" "lld-${version}" ]
    ++ map (need gnu.aptPackages (gnu.aptNote or "")) gnu.debs ++ baseNeeds;
  needsOf = kind: version: p:
    if kind == "clang" then clangNeeds version (gnuRecord defaultGccVersion p) else gnuNeeds (gnuRecord version p);

  gccFor' = version: p:
    let t = gnuRecord version p; what = label "gcc" version; in
    t // {
      kind = "gcc";
      inherit version;
      alwaysStatic = t.alwaysStatic or false;
      fullVersion = versionOf t.versionDeb version;
      identity = map (debIdentity what p.config) (gnuNeeds t)
        ++ map (debIdentity what p.config) (map (need t.aptPackages "") (builtins.filter installed t.optionalDebs));
      hasCxx = t.cxx != null && builtins.pathExists t.cxx;
    };

  clangFor' = version: p:
    let gnu = gnuRecord defaultGccVersion p; in {
      kind = "clang";
      inherit version;
      inherit (gnu) binPrefix sysroot;
      cc = "/usr/bin/clang-${version}";
      cxx = "/usr/bin/clang++-${version}";
      alwaysStatic = gnu.alwaysStatic or false;
      fullVersion = versionOf "clang-${version}" version;
      versionDeb = "clang-${version}";
      identity = map (debIdentity (label "clang" version) p.config) (clangNeeds version gnu);
      hasCxx = true;
      # clang names the GNU triple of the installed cross libraries as its target.
      clangTarget = lib.removePrefix "/usr/bin/" (builtins.substring 0 (builtins.stringLength gnu.binPrefix - 1) gnu.binPrefix);
    };

  orFail = kind: version: p: f:
    let why = impossible kind version p; in if why == null then f version p else throw why;
in
{
  inherit defaultGccVersion defaultClangVersion clangVersions;

  # The gcc major versions offered as `gccNN` attributes: every version
  # bookworm ships for some platform (each platform has some of them).
  gccVersions = bookwormGccVersions;

  # The default gcc major version for compilers emitting code for `p`.
  defaultGccFor = p: let entry = byConfig.${p.config} or null; in
    if entry != null && !(builtins.elem defaultGccVersion entry.gccVersions) then lib.last entry.gccVersions else defaultGccVersion;

  # The gcc toolchain (major `version`, default bookworm's) emitting code for
  # platform `p` (elaborated): paths, `sysroot`, `fullVersion`, and `identity`,
  # the list of package identities, failing with an apt hint when one is missing.
  gccFor = { version ? defaultGccVersion }: p: orFail "gcc" version p gccFor';

  # clang/lld from Debian (clang-<version>), for `clangStdenv`/`useLLVM`; the C
  # library and crt files still come from the default GNU toolchain of the platform.
  clangFor = { version ? defaultClangVersion }: p: orFail "clang" version p clangFor';

  # Whether the toolchain `gccFor { inherit version; } p` (or, with
  # `clang = true`, `clangFor { inherit version; } p`) is usable on this
  # machine, as data and without failing:
  #   { config; kind = "gcc" | "clang"; version; known; available;
  #     aptPackages   the Debian packages that provide the toolchain ([] when none is known)
  #     missingDebs   the dpkg packages it needs that are not installed
  #     install       what to `apt-get install` to make it available ([] when it is, or none is known)
  #     reason        why it is not available: the error building with it gives ("" when it is)
  #     caveat        what builds but may not run where users expect ("" when nothing) }
  status = { clang ? false, version ? (if clang then defaultClangVersion else defaultGccVersion) }: p:
    let
      kind = if clang then "clang" else "gcc";
      why = impossible kind version p;
      caveat = (byConfig.${p.config} or { }).caveat or "";
      needs = needsOf kind version p;
      missing = builtins.filter (n: !installed n.deb) needs;
    in
    if why != null then {
      inherit kind version;
      config = p.config;
      known = false;
      available = false;
      aptPackages = [ ];
      missingDebs = [ ];
      install = [ ];
      reason = why;
      inherit caveat;
    } else {
      inherit kind version;
      config = p.config;
      known = true;
      available = missing == [ ];
      aptPackages = lib.unique (builtins.concatLists (map (n: n.apt) (builtins.filter (n: !(builtins.elem n.deb baseDebs)) needs)));
      missingDebs = map (n: n.deb) missing;
      install = lib.unique (builtins.concatLists (map (n: n.apt) missing));
      reason = if missing == [ ] then "" else missingMessage (label kind version) p.config (builtins.head missing);
      inherit caveat;
    };
}
