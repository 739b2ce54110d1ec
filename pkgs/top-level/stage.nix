# One package set: every package built on `buildPlatform` to run on
# `hostPlatform` (compilers in it emit code for `targetPlatform`). `links`
# gives the neighbouring sets of the sliding window, lazily.
{ lib, buildPlatform, hostPlatform, targetPlatform, overlays, config, links, nixpkgsFun, topArgs }:
let
  toolchains = import ../stdenv/toolchains.nix ({ inherit lib; } // lib.optionalAttrs (config ? xnixDpkgInfoDir) { dpkgInfoDir = config.xnixDpkgInfoDir; });
  isCross = buildPlatform.config != hostPlatform.config || buildPlatform.isStatic != hostPlatform.isStatic;

  # Pure builds (opt-in, `config.xnixPure = true`): builders run in a root of
  # locked Debian packages instead of the build machine's /usr, /bin, /lib
  # (pkgs/debian/pure.nix), and programs are linked against the C library
  # of the lock. `sandboxFor p`: the attributes that give a builder the
  # tools for platform `p`.
  pureEnv = import ../debian/pure.nix { };
  # A native set for an architecture whose own Debian toolchain is locked
  # (aarch64, riscv64; `localSystem = "riscv64-linux"`) is always pure: its
  # builders run that architecture's tools from the lock, emulated on an
  # x86_64 machine (pkgs/debian/pure.nix `nativeRoot`).
  emulatedNative = !isCross && pureEnv.nativeSupports hostPlatform;
  pure = emulatedNative || (config.xnixPure or false);
  sandboxFor = p:
    if emulatedNative then { __xnixRoot = pureEnv.nativeRoot p; }
    else if !pure then { __impureHostDeps = import ../stdenv/impure-host-deps.nix; }
    else if pureEnv.supports p then { __xnixRoot = pureEnv.stdenvRoot p; }
    else throw "xnixpkgs: pure builds (config.xnixPure) do not cover ${p.config} yet (covered: x86_64, i686, aarch64, armv7l and riscv64 Linux with glibc; x86_64 with musl)";

  base = self:
    let
      l = links self;
      # The packages as callPackage sees them: when cross compiling, each
      # package carries its variants for every dependency kind (splicing), so
      # that one from nativeBuildInputs resolves to the build machine's.
      splice = name: value:
        if builtins.isAttrs value && (value.type or null) == "derivation" then
          let
            variants = {
              buildBuild = l.pkgsBuildBuild.${name} or value;
              buildHost = l.pkgsBuildHost.${name} or value;
              buildTarget = l.pkgsBuildTarget.${name} or value;
              hostHost = l.pkgsHostHost.${name} or value;
              hostTarget = value;
              targetTarget = l.pkgsTargetTarget.${name} or value;
            };
            # `pkg.dev` in nativeBuildInputs is the build machine's `dev` too.
            spliceOutput = o: value.${o} // { __spliced = builtins.mapAttrs (_: v: v.${o} or v) variants; };
          in
          value // { __spliced = variants; } // lib.genAttrs (value.outputs or [ ]) spliceOutput
        else value;
      spliced = if isCross then builtins.mapAttrs splice self else self;

      # The stdenv compiling with `cc`; what it needs of the toolchain (sysroot,
      # static linking) is what `cc` says, or `fallback`'s for a compiler
      # that is not one of toolchains.nix's wrappers.
      mkStdenvWith = { cc, fallback }: import ../stdenv {
        inherit lib buildPlatform hostPlatform targetPlatform cc config;
        sandbox = sandboxFor hostPlatform;
        toolchain = cc.xnixToolchain or fallback;
        alternatives = l.pkgsBuildHost.debianAlternatives;
        buildPackages = l.pkgsBuildHost;
      };
      useClang = hostPlatform.useLLVM or false;
    in
    {
      inherit lib config buildPlatform hostPlatform targetPlatform;
      # The host platform's double, as in nixpkgs (`pkgs.system`, `pkgsCross.riscv64.system`).
      inherit (hostPlatform) system;
      inherit (l) pkgsBuildBuild pkgsBuildHost pkgsBuildTarget pkgsHostHost pkgsHostTarget pkgsTargetTarget;
      buildPackages = l.pkgsBuildHost;
      targetPackages = l.pkgsTargetTarget;
      # The back link: the package set whose `buildPackages` is this one (for
      # compilers whose build systems need the set they build for).
      __targetPackages = l.pkgsTargetTarget;

      # Compiler wrappers running on this set's host, emitting code for its
      # target: `stdenv.cc` of the next stage is `buildPackages.gcc` (or
      # `.clang`), so an overlay setting `gcc = self.gcc11;` changes it.
      # `gccNN`/`clangNN`: every version Debian bookworm ships; one not
      # installed fails only when used, naming what to install.
      gcc = self."gcc${toolchains.defaultGccFor targetPlatform}";
      clang = self."clang${toolchains.defaultClangVersion}";
      # Former names of `gcc` and `clang`.
      gccForTarget = self.gcc;
      clangForTarget = self.clang;

      # Debian alternatives (awk, which, ...) for builders on this set's host.
      debianAlternatives = import ../stdenv/alternatives.nix {
        inherit lib;
        buildPlatform = hostPlatform;
        sandbox = sandboxFor hostPlatform;
      };

      # The compilers come from the finished build-tools set, overlays included.
      gccStdenv = mkStdenvWith { cc = l.pkgsBuildHost.gcc; fallback = toolchains.gccFor { } hostPlatform; };
      clangStdenv = mkStdenvWith { cc = l.pkgsBuildHost.clang; fallback = toolchains.clangFor { } hostPlatform; };
      stdenv = if useClang then self.clangStdenv else self.gccStdenv;
      # Whether `stdenv`'s toolchain is usable on this machine, as data (see
      # toolchains.nix `status`): the status its compiler carries.
      xnixToolchainStatus = self.stdenv.cc.xnixToolchainStatus or (toolchains.status { clang = useClang; } hostPlatform);

      callPackage = lib.callPackageWith spliced;
      newScope = extra: lib.callPackageWith (spliced // extra);

      # Other instantiations of the collection, sharing this one's arguments.
      pkgsCross = builtins.mapAttrs (_: args: nixpkgsFun { localSystem = buildPlatform; crossSystem = args; }) lib.systems.examples;
      pkgsStatic = nixpkgsFun {
        localSystem = buildPlatform;
        crossSystem = { config = lib.replaceStrings [ "-gnu" ] [ "-musl" ] hostPlatform.config; isStatic = true; };
      };
      pkgsMusl = nixpkgsFun ({
        localSystem = { config = lib.replaceStrings [ "-gnu" ] [ "-musl" ] buildPlatform.config; };
      } // lib.optionalAttrs isCross { crossSystem = { config = lib.replaceStrings [ "-gnu" ] [ "-musl" ] hostPlatform.config; }; });
      # The host platform built with clang and lld (`useLLVM`).
      # The platform's gcc settings (processor, FPU, ...) stay: clang takes them too.
      pkgsLLVM = nixpkgsFun {
        localSystem = buildPlatform;
        crossSystem = { config = hostPlatform.config; useLLVM = true; linker = "lld"; }
          // lib.optionalAttrs (hostPlatform ? gcc && hostPlatform.gcc != { }) { inherit (hostPlatform) gcc; };
      };
      # This set again with more overlays.
      appendOverlays = more: nixpkgsFun (topArgs // { overlays = topArgs.overlays ++ more; });
      extend = overlay: self.appendOverlays [ overlay ];
    };

  allPackages = self: prev: import ./all-packages.nix { inherit lib self; };

  # gcc11, gcc12, ..., clang13, ...: the compiler wrappers of each version.
  compilers = self: prev:
    let
      wrapper = kind: version: let
        hostToolchain = (if kind == "clang" then toolchains.clangFor else toolchains.gccFor) { inherit version; } targetPlatform;
      in import ../stdenv/cc-wrapper.nix {
        inherit lib buildPlatform hostPlatform targetPlatform;
        runsOnBuildMachine = !isCross;
        # Pure: the toolchain's identity is its root (locked .deb hashes), its
        # version the lock's, and the programs it links use the lock's C library.
        toolchain = if emulatedNative then pureEnv.nativeToolchain targetPlatform
        else if pure then hostToolchain // {
          identity = [ ];
          fullVersion = pureEnv.upstreamVersion hostToolchain.versionDeb;
          hasCxx = true;
        } else hostToolchain;
        sandbox = sandboxFor targetPlatform;
        extraLinkFlags = if emulatedNative then pureEnv.nativeLinkFlags targetPlatform
          else if pure then pureEnv.linkFlagsFor targetPlatform else [ ];
        status = toolchains.status { clang = kind == "clang"; inherit version; } targetPlatform;
        isClang = kind == "clang";
      };
      versions = kind: vs: map (v: { name = "${kind}${v}"; value = wrapper kind v; }) vs;
    in
    builtins.listToAttrs (versions "gcc" toolchains.gccVersions ++ versions "clang" toolchains.clangVersions);
in
lib.fix (lib.extends (lib.composeManyExtensions ([ compilers allPackages ] ++ overlays)) base)
