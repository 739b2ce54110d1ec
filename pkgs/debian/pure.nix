# The pure standard environment's first pieces, over the lock (opt-in; the
# collection's stdenv still uses the build machine's tools):
#
# - `root { target, groups }`: one merged-/usr tree of Debian packages (the
#   tools of `groups` of the amd64 lock, by default a stdenv's, plus the
#   cross compiler for `target` when it is not x86_64); a derivation that names it in
#   `__xnixRoot` runs in a sandbox whose /usr, /bin, /lib* are that tree and
#   nothing of the build machine;
# - `libc.<cpu>`: the C library of that architecture from the lock (x86_64,
#   aarch64: its own architecture's; the other CPUs of `targets`: Debian's
#   cross build of the same glibc), a store path programs are linked against;
# - `linkFlags.<cpu>`: what makes a program's interpreter and run path point
#   into that store path (so its closure carries the C library);
# - `hello { target }`: a C program built that way, the smallest proof.
{ lockDir ? ./. }:
let
  debian = import ./. { inherit lockDir; };
  amd64 = debian.locks.amd64;
  unique = names: builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = null; }) names));

  # Per CPU (nixpkgs' `parsed.cpu.name`): the GNU triple of Debian's
  # compiler, the C library programs are linked against (`libc`, a store
  # path) with the directory of its loader and libraries (`libDir`), the
  # amd64 lock's group with the cross compiler (null: the native one), and
  # the platform's ABI (nixpkgs' `parsed.abi.name`; "gnu" when absent).
  # x86_64 and aarch64 take the C library of their own architecture's lock;
  # the others (riscv64 is not a bookworm architecture) take the same glibc
  # built by Debian for cross compiling (`libc6-<arch>-cross`).
  targets = {
    x86_64 = {
      config = "x86_64-linux-gnu"; debArch = "amd64"; loader = "ld-linux-x86-64.so.2"; crossGroup = null;
      libc = debian.groups.amd64.libc; libDir = "usr/lib/x86_64-linux-gnu";
    };
    aarch64 = {
      config = "aarch64-linux-gnu"; debArch = "arm64"; loader = "ld-linux-aarch64.so.1"; crossGroup = "gcc-cross-aarch64";
      libc = debian.groups.arm64.libc; libDir = "usr/lib/aarch64-linux-gnu";
    };
    armv7l = {
      config = "arm-linux-gnueabihf"; debArch = "armhf"; loader = "ld-linux-armhf.so.3"; crossGroup = "gcc-cross-armhf";
      abi = "gnueabihf"; libc = debian.groups.amd64.libc-cross-armhf; libDir = "usr/arm-linux-gnueabihf/lib";
    };
    riscv64 = {
      config = "riscv64-linux-gnu"; debArch = "riscv64"; loader = "ld-linux-riscv64-lp64d.so.1"; crossGroup = "gcc-cross-riscv64";
      libc = debian.groups.amd64.libc-cross-riscv64; libDir = "usr/riscv64-linux-gnu/lib";
    };
    i686 = {
      config = "i686-linux-gnu"; debArch = "i386"; loader = "ld-linux.so.2"; crossGroup = "gcc-cross-i686";
      libc = debian.groups.amd64.libc-cross-i386; libDir = "usr/i686-linux-gnu/lib";
    };
    powerpc64le = cross { config = "powerpc64le-linux-gnu"; debArch = "ppc64el"; loader = "ld64.so.2"; };
    s390x = cross { config = "s390x-linux-gnu"; debArch = "s390x"; loader = "ld64.so.1"; };
    # Debian armel: soft-float EABI, a C library for ARMv5TE and later.
    armv5tel = cross { config = "arm-linux-gnueabi"; debArch = "armel"; loader = "ld-linux.so.3"; abi = "gnueabi"; };
    # Raspberry Pi (ARMv6): Debian's armhf compiler and C library. That C
    # library is ARMv7 code, so the programs run on ARMv7 and later only; the
    # compiler wrapper still passes the platform's ARMv6 flags (toolchains.nix).
    armv6l = targets.armv7l;
    mips = cross { config = "mips-linux-gnu"; debArch = "mips"; loader = "ld.so.1"; };
    mipsel = cross { config = "mipsel-linux-gnu"; debArch = "mipsel"; loader = "ld.so.1"; };
    # The n64 ABI's loader is /lib64/ld.so.1 (its libraries are in lib/).
    mips64el = cross { config = "mips64el-linux-gnuabi64"; debArch = "mips64el"; loader = "ld.so.1"; abi = "gnuabi64"; loaderIn = "lib64"; };
    mips64 = cross { config = "mips64-linux-gnuabi64"; debArch = "mips64"; loader = "ld.so.1"; abi = "gnuabi64"; loaderIn = "lib64"; };
  };
  # A target served by Debian's cross compiler (amd64 group
  # `gcc-cross-<debArch>`) and its cross build of the C library
  # (`libc-cross-<debArch>`), installed under /usr/<config>: libraries in
  # lib/, the loader in `loaderIn` (lib64 for MIPS n64).
  cross = { config, debArch, loader, abi ? "gnu", loaderIn ? "lib" }: {
    inherit config debArch loader abi;
    crossGroup = "gcc-cross-${debArch}";
    libc = debian.groups.amd64."libc-cross-${debArch}";
    libDir = "usr/${config}/lib";
    loaderDir = "usr/${config}/${loaderIn}";
  };

  # The standard tools, the native gcc, busybox and the build tools
  # packages take from the build machine (build-support/host-tool.nix:
  # cmake, meson, ninja, pkg-config, tcl; perl, python3): a stdenv's root.
  defaultGroups = [ "stdenv-base" "gcc-native" "busybox" "stdenv-tools" ];
  root = { target ? "x86_64", groups ? defaultGroups }:
    let
      t = targets.${target};
      all = groups ++ (if t.crossGroup == null then [ ] else [ t.crossGroup ]);
      names = unique (builtins.concatLists (map (g: amd64.closures.${g}) all));
      suffix = if groups == defaultGroups then "" else "-" + builtins.concatStringsSep "-" groups;
    in
    debian.unpackDebs {
      name = "debian-bookworm-root-${target}${suffix}";
      debs = map (n: debian.debs.amd64.${n}) names;
    };

  libc = builtins.mapAttrs (_: t: t.libc) targets;

  libDir = cpu: "${libc.${cpu}}/${targets.${cpu}.libDir}";
  loaderPath = cpu: let t = targets.${cpu}; in "${libc.${cpu}}/${t.loaderDir or t.libDir}/${t.loader}";
  linkFlags = builtins.mapAttrs
    (cpu: t: [ "-Wl,--dynamic-linker=${loaderPath cpu}" "-Wl,-rpath,${libDir cpu}" ])
    targets;

  hello = { target ? "x86_64", name ? "hello-pure" }:
    let t = targets.${target}; in
    derivation {
      name = "${name}-${target}";
      system = "x86_64-linux";
      builder = "/bin/busybox";
      # A cross compiler needs nothing of the native one.
      __xnixRoot = root { inherit target; groups = if t.crossGroup == null then defaultGroups else [ "busybox" ]; };
      src = builtins.toFile "hello.c" ''
        #include <stdio.h>
        int main(void) { puts("Hello, world!"); return 0; }
      '';
      args = [ "sh" "-c" ''
        set -e
        export PATH=/usr/bin
        mkdir -p $out/bin
        cp $src hello.c
        ${t.config}-gcc-12 -O2 -o $out/bin/hello hello.c ${toString linkFlags.${target}}
      '' ];
    };
  # For the collection's stdenv (`config.xnixPure = true`), by elaborated
  # platform: whether pure builds exist for it, the root its builders run
  # in (the standard tools, the native compiler and, for another
  # architecture, Debian's cross compiler), the link flags of its compiler,
  # and the upstream version of a locked package (the wrapper's name).
  cpuOf = p: p.parsed.cpu.name;
  # musl (x86_64): Debian's musl-gcc over the native gcc, linking
  # statically; the results need nothing at run time.
  isMusl = p: p.parsed.abi.name == "musl" && cpuOf p == "x86_64" && p.isLinux;
  supports = p: !(p.useLLVM or false) && (isMusl p || targets ? ${cpuOf p} && p.isLinux && !(p.isStatic or false)
    && p.parsed.abi.name == targets.${cpuOf p}.abi or "gnu");
  stdenvRoot = p: if isMusl p then root { groups = defaultGroups ++ [ "musl" ]; } else root { target = cpuOf p; };
  linkFlagsFor = p: if isMusl p then [ ] else linkFlags.${cpuOf p};
  isLocked = package: builtins.any (e: e.package == package) amd64.packages;
  # What runs a Linux platform's programs in a pure cross build (tests,
  # generators the build compiles for the host): Debian's static qemu from
  # the amd64 lock (group `qemu-user-static`), a store path; null for a
  # platform qemu-user has no emulator for.
  emulatorFor = p:
    if p.isLinux && p ? qemuArch
    then "${debian.groups.amd64.qemu-user-static}/usr/bin/qemu-${p.qemuArch}-static"
    else null;
  upstreamVersion = package:
    let
      found = builtins.filter (e: e.package == package) amd64.packages;
      entry = if found != [ ] then builtins.head found
        else throw "xnixpkgs: pure builds: the Debian package `${package}` is not in the amd64 lock (pkgs/debian/bookworm-amd64.json); use a compiler version the lock has, or add the package to pkgs/debian/roots.json and run `xnix debian lock`";
      noEpoch = let parts = builtins.split ":" entry.version; in builtins.elemAt parts (builtins.length parts - 1);
    in
    builtins.head (builtins.split "-" noEpoch);

  # Native builds for another architecture (emulated on an x86_64 machine,
  # plain on that architecture): every tool of the build, the compiler,
  # binutils, C library, make, coreutils and bash, is that architecture's
  # own Debian package from its lock. bookworm has no riscv64 port: riscv64
  # comes from trixie (./trixie), whose gcc is 14.
  trixie = import ./. { suite = "trixie"; lockDir = ./trixie; };
  natives = {
    aarch64 = {
      debian = debian; debArch = "arm64"; triple = "aarch64-linux-gnu"; gcc = "12"; loader = "ld-linux-aarch64.so.1";
      # The amd64 lock's group with the x86_64-hosted cross gcc of the same version (hybrid builds).
      hybridGroup = "gcc-cross-aarch64";
      # The amd64 lock's group with the standard tools the hybrid runs natively.
      hybridTools = "stdenv-base";
    };
    riscv64 = {
      debian = trixie; debArch = "riscv64"; triple = "riscv64-linux-gnu"; gcc = "14"; loader = "ld-linux-riscv64-lp64d.so.1";
      hybridGroup = "gcc-cross-riscv64";
      hybridTools = "stdenv-base";
    };
  };
  nativeSupports = p: natives ? ${cpuOf p} && p.isLinux && !(p.isStatic or false) && p.parsed.abi.name == "gnu";
  nativeOf = p: natives.${cpuOf p};
  nativeLock = n: n.debian.locks.${n.debArch};
  # The tools a native stdenv's builders run: the native compiler group and
  # what stdenv's phases use besides (awk, which, patch, bzip2, file).
  nativeRoot = p:
    let n = nativeOf p; lock = nativeLock n; in
    n.debian.unpackDebs {
      name = "debian-${lock.suite}-${n.debArch}-native-root";
      debs = map (x: n.debian.debs.${n.debArch}.${x}) (unique (lock.closures.gcc-native ++ lock.closures.stdenv-native));
    };
  # The hybrid of an emulated native build: the native root, over which
  # x86_64 programs of the amd64 lock are unpacked, which the kernel runs
  # directly while everything else stays the architecture's own, run under
  # qemu:
  # - the cross compiler for the same architecture and gcc version
  #   (`hybridGroup`): /usr/bin/<triple>-gcc-<v>, its cc1, as and ld;
  # - the build's standard tools (`hybridTools`: bash, dash as /bin/sh,
  #   coreutils, sed, grep, gawk, mawk, make, diffutils, findutils, tar,
  #   gzip, xz, bzip2, patch, file, which), whose results do not depend on
  #   the machine they run on, except `uname` and `arch` (coreutils), which
  #   print the machine: those two stay the architecture's own
  #   (`keepFirst`), so config.guess and a Makefile's `uname -m` still see
  #   aarch64 or riscv64. The programs the build itself compiles
  #   (configure's tests, generators) and everything else of the native root
  #   (perl is not in it; ldd, getconf) run emulated.
  # Debian's multiarch keeps the two architectures apart: the x86_64 C
  # library and the tools' libraries land in /usr/lib/x86_64-linux-gnu with
  # the loader in /lib64; only the programs' own file names are shared, and
  # the x86_64 ones win. The cross C library and kernel headers are left
  # out: the compiler (sysroot /) then takes headers and libraries from the
  # native root's /usr/include and /usr/lib/<triple>, as the native compiler
  # does. The outputs differ from the fully emulated build's (the
  # compiler's version string in .comment, the paths of gcc's own headers
  # in debug information), so this is another derivation, not a faster way
  # to the same one.
  hybridSupports = p: nativeSupports p && (nativeOf p) ? hybridGroup;
  # Packages of the amd64 tools' closure that hold no program or library:
  # the native root's copies stay.
  hybridToolsData = [ "base-files" "readline-common" "libmagic-mgc" ];
  hybridRoot = p:
    let
      n = nativeOf p;
      lock = nativeLock n;
      cross = n.debian.locks.amd64;
      sysrootPackages = map (x: "${x}-${n.debArch}-cross") [ "libc6" "libc6-dev" "linux-libc-dev" ];
      crossNames = builtins.filter (x: !builtins.elem x sysrootPackages) cross.closures.${n.hybridGroup};
      toolNames = builtins.filter (x: !builtins.elem x (crossNames ++ hybridToolsData)) cross.closures.${n.hybridTools};
      # The one package both have by name that is not a multiarch library:
      # binutils for the triple (the native one's documentation directory
      # is a link where the cross one's is a directory).
      nativeNames = builtins.filter (x: x != "binutils-${n.triple}") (lock.closures.gcc-native ++ lock.closures.stdenv-native);
    in
    n.debian.unpackDebs {
      name = "debian-${lock.suite}-${n.debArch}-hybrid-root";
      debs = map (x: n.debian.debs.${n.debArch}.${x}) (unique nativeNames)
        ++ map (x: n.debian.debs.amd64.${x}) (unique crossNames ++ unique toolNames);
      keepFirst = [ "usr/bin/uname" "usr/bin/arch" ];
    };
  nativeLibc = p: let n = nativeOf p; in n.debian.groups.${n.debArch}.libc;
  nativeLinkFlags = p:
    let n = nativeOf p; dir = "${nativeLibc p}/usr/lib/${n.triple}"; in
    [ "-Wl,--dynamic-linker=${dir}/${n.loader}" "-Wl,-rpath,${dir}" ];
  # The compiler of a native stdenv (the fields toolchains.nix gives).
  nativeToolchain = p:
    let n = nativeOf p; lock = nativeLock n; in {
      kind = "gcc";
      version = n.gcc;
      fullVersion = lockedUpstreamVersion lock "gcc-${n.gcc}";
      versionDeb = "gcc-${n.gcc}";
      binPrefix = "/usr/bin/${n.triple}-";
      cc = "/usr/bin/${n.triple}-gcc-${n.gcc}";
      cxx = "/usr/bin/${n.triple}-g++-${n.gcc}";
      sysroot = "/";
      identity = [ ];
      hasCxx = true;
      alwaysStatic = false;
    };
  lockedUpstreamVersion = lock: package:
    let
      entry = builtins.head (builtins.filter (e: e.package == package) lock.packages);
      noEpoch = let parts = builtins.split ":" entry.version; in builtins.elemAt parts (builtins.length parts - 1);
    in
    builtins.head (builtins.split "-" noEpoch);
  # Every locked `.deb` the pure stdenvs of `targets` and musl run or link
  # against (duplicates included): what a machine fetches to build for all
  # of them, e.g. to fill a local mirror once.
  toolchainDebs = builtins.concatLists (map (cpu: (root { target = cpu; }).debs ++ targets.${cpu}.libc.debs) (builtins.attrNames targets))
    ++ (root { groups = defaultGroups ++ [ "musl" ]; }).debs;
  # Windows (mingw-w64) and clang/lld, over the roots above.
  mingw = import ./pure-mingw.nix { inherit root defaultGroups; };
  llvm = import ./pure-llvm.nix { inherit root defaultGroups; linuxSupports = supports; };
in
{
  inherit toolchainDebs;
  inherit root libc linkFlags hello targets upstreamVersion isLocked emulatorFor mingw llvm;
  supports = p: mingw.supports p || (if llvm.wanted p then llvm.supports p else supports p);
  stdenvRoot = p: if mingw.supports p then mingw.root p else if llvm.wanted p then llvm.root p else stdenvRoot p;
  linkFlagsFor = p: if mingw.supports p then mingw.linkFlags else linkFlagsFor p;
  inherit natives nativeSupports nativeRoot nativeLibc nativeLinkFlags nativeToolchain hybridSupports hybridRoot;
}
