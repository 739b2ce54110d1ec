# The pure standard environment's first pieces, over the lock (opt-in; the
# collection's stdenv still uses the build machine's tools):
#
# - `root { target, groups }`: one merged-/usr tree of Debian packages (the
#   tools of `groups` of the amd64 lock, by default a stdenv's, plus the
#   cross compiler for `target` when it is not x86_64); a derivation that names it in
#   `__xnixRoot` runs in a sandbox whose /usr, /bin, /lib* are that tree and
#   nothing of the build machine;
# - `libc.<cpu>`: the C library of that architecture from the lock (x86_64,
#   aarch64: its own architecture's; armv7l, riscv64, i686: Debian's cross
#   build of the same glibc), a store path programs are linked against;
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
  # path) with the directory of its loader and libraries (`libDir`), and
  # the amd64 lock's group with the cross compiler (null: the native one).
  # x86_64 and aarch64 take the C library of their own architecture's lock;
  # armv7l, riscv64 (not a bookworm architecture) and i686 take the same
  # glibc built by Debian for cross compiling (`libc6-<arch>-cross`).
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
      libc = debian.groups.amd64.libc-cross-armhf; libDir = "usr/arm-linux-gnueabihf/lib";
    };
    riscv64 = {
      config = "riscv64-linux-gnu"; debArch = "riscv64"; loader = "ld-linux-riscv64-lp64d.so.1"; crossGroup = "gcc-cross-riscv64";
      libc = debian.groups.amd64.libc-cross-riscv64; libDir = "usr/riscv64-linux-gnu/lib";
    };
    i686 = {
      config = "i686-linux-gnu"; debArch = "i386"; loader = "ld-linux.so.2"; crossGroup = "gcc-cross-i686";
      libc = debian.groups.amd64.libc-cross-i386; libDir = "usr/i686-linux-gnu/lib";
    };
  };

  # The standard tools, the native gcc and busybox: a stdenv's root.
  defaultGroups = [ "stdenv-base" "gcc-native" "busybox" ];
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
  linkFlags = builtins.mapAttrs
    (cpu: t: [ "-Wl,--dynamic-linker=${libDir cpu}/${t.loader}" "-Wl,-rpath,${libDir cpu}" ])
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
  supports = p: isMusl p || targets ? ${cpuOf p} && p.isLinux && !(p.isStatic or false)
    && builtins.elem p.parsed.abi.name [ "gnu" "gnueabihf" ];
  stdenvRoot = p: if isMusl p then root { groups = defaultGroups ++ [ "musl" ]; } else root { target = cpuOf p; };
  linkFlagsFor = p: if isMusl p then [ ] else linkFlags.${cpuOf p};
  upstreamVersion = package:
    let
      entry = builtins.head (builtins.filter (e: e.package == package) amd64.packages);
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
    };
    riscv64 = {
      debian = trixie; debArch = "riscv64"; triple = "riscv64-linux-gnu"; gcc = "14"; loader = "ld-linux-riscv64-lp64d.so.1";
      hybridGroup = "gcc-cross-riscv64";
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
  # The hybrid of an emulated native build: the native root, over which the
  # amd64 lock's cross compiler for the same architecture and gcc version is
  # unpacked (`hybridGroup`), so that /usr/bin/<triple>-gcc-<v>, its cc1, as
  # and ld are x86_64 programs the kernel runs directly, while the shell,
  # make and everything configure builds stay the architecture's own, run
  # under qemu. Debian's multiarch keeps the two apart: the x86_64 C library
  # and the compiler's libraries land in /usr/lib/x86_64-linux-gnu with the
  # loader in /lib64; only the compiler's and binutils' own file names are
  # shared, and the cross ones win. The cross C library and kernel headers
  # are left out: the compiler (sysroot /) then takes headers and libraries
  # from the native root's /usr/include and /usr/lib/<triple>, as the native
  # compiler does. The outputs differ from the fully emulated build's (the
  # compiler's version string in .comment, the paths of gcc's own headers
  # in debug information), so this is another derivation, not a faster way
  # to the same one.
  hybridSupports = p: nativeSupports p && (nativeOf p) ? hybridGroup;
  hybridRoot = p:
    let
      n = nativeOf p;
      lock = nativeLock n;
      cross = n.debian.locks.amd64;
      sysrootPackages = map (x: "${x}-${n.debArch}-cross") [ "libc6" "libc6-dev" "linux-libc-dev" ];
      crossNames = builtins.filter (x: !builtins.elem x sysrootPackages) cross.closures.${n.hybridGroup};
      # The one package both have by name that is not a multiarch library:
      # binutils for the triple (the native one's documentation directory
      # is a link where the cross one's is a directory).
      nativeNames = builtins.filter (x: x != "binutils-${n.triple}") (lock.closures.gcc-native ++ lock.closures.stdenv-native);
    in
    n.debian.unpackDebs {
      name = "debian-${lock.suite}-${n.debArch}-hybrid-root";
      debs = map (x: n.debian.debs.${n.debArch}.${x}) (unique nativeNames)
        ++ map (x: n.debian.debs.amd64.${x}) (unique crossNames);
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
in
{
  inherit root libc linkFlags hello targets supports stdenvRoot linkFlagsFor upstreamVersion;
  inherit natives nativeSupports nativeRoot nativeLibc nativeLinkFlags nativeToolchain hybridSupports hybridRoot;
}
