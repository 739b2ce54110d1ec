# One package set: every package built on `buildPlatform` to run on
# `hostPlatform` (compilers in it emit code for `targetPlatform`). `links`
# gives the neighbouring sets of the sliding window, lazily.
{ lib, buildPlatform, hostPlatform, targetPlatform, overlays, config, links, nixpkgsFun, topArgs }:
let
  toolchains = import ../stdenv/toolchains.nix ({ inherit lib; } // lib.optionalAttrs (config ? xnixDpkgInfoDir) { dpkgInfoDir = config.xnixDpkgInfoDir; });
  isCross = buildPlatform.config != hostPlatform.config || buildPlatform.isStatic != hostPlatform.isStatic;

  # Pure builds: builders run in a root of locked Debian packages instead of
  # the build machine's /usr, /bin, /lib (pkgs/debian/pure.nix), and
  # programs are linked against the C library of the lock. With
  # `config.xnixPure = true`, every platform the pure environment covers
  # builds that way; one it does not cover yet still uses the build
  # machine's compilers (`__impureHostDeps`), as every platform does with
  # `config.xnixPure = false` (`wantPure` below gives the default).
  # `sandboxFor p`: the attributes that give a builder the tools for
  # platform `p`.
  pureEnv = import ../debian/pure.nix { };
  # A native set for an architecture whose own Debian toolchain is locked
  # (aarch64, riscv64; `localSystem = "riscv64-linux"`) is always pure: its
  # builders run that architecture's tools from the lock, emulated on an
  # x86_64 machine (pkgs/debian/pure.nix `nativeRoot`).
  emulatedNative = !isCross && pureEnv.nativeSupports hostPlatform;
  # A set is pure when its build machine and its host (and, for the
  # compilers it makes, its target) are all covered: a cross set mixes the
  # build machine's tools (`buildPackages`) with the host's.
  wantPure = config.xnixPure or false;
  pureFor = p: wantPure && pureEnv.supports p;
  pure = emulatedNative || (pureFor buildPlatform && pureFor hostPlatform && pureFor targetPlatform);
  # `config.xnixHybrid = true` (or `pkgsHybrid`): an emulated native set whose
  # compiler, assembler and linker are the x86_64-hosted cross tools of the
  # same version, run natively (pkgs/debian/pure.nix `hybridRoot`).
  hybrid = emulatedNative && (config.xnixHybrid or false) && (pureEnv.hybridSupports hostPlatform
    || throw "xnixpkgs: hybrid builds (config.xnixHybrid) cover aarch64-linux and riscv64-linux; ${hostPlatform.system} builds fully emulated (leave xnixHybrid unset)");
  sandboxFor = p:
    if hybrid then { __xnixRoot = pureEnv.hybridRoot p; }
    else if emulatedNative then { __xnixRoot = pureEnv.nativeRoot p; }
    else if !pure then { __impureHostDeps = import ../stdenv/impure-host-deps.nix; }
    else { __xnixRoot = pureEnv.stdenvRoot p; };
  # Builders compiling with clang (clangStdenv, its wrapper) need clang and
  # lld in their root too: the platform as pkgsLLVM has it.
  clangSandboxFor = p: sandboxFor (p // { useLLVM = true; });

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
      mkStdenvWith = { cc, fallback, sandbox ? sandboxFor hostPlatform }: import ../stdenv {
        inherit lib buildPlatform hostPlatform targetPlatform cc config sandbox;
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
      clangStdenv = mkStdenvWith { cc = l.pkgsBuildHost.clang; fallback = toolchains.clangFor { } hostPlatform; sandbox = clangSandboxFor hostPlatform; };
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
      # This emulated native set with native compilers (`config.xnixHybrid`).
      pkgsHybrid =
        if emulatedNative then nixpkgsFun (topArgs // { config = topArgs.config // { xnixHybrid = true; }; })
        else throw "xnixpkgs: pkgsHybrid is a variant of an emulated native set (`localSystem = \"aarch64-linux\"` on an x86_64 machine); this set builds ${hostPlatform.system} on ${buildPlatform.system}";
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
        else if pure then pureToolchain kind version hostToolchain
        else hostToolchain;
        sandbox = if kind == "clang" then clangSandboxFor targetPlatform else sandboxFor targetPlatform;
        extraLinkFlags = if emulatedNative then pureEnv.nativeLinkFlags targetPlatform
          else if pure then pureEnv.linkFlagsFor targetPlatform else [ ];
        status = if pure || emulatedNative then pureStatus kind version
          else toolchains.status { clang = kind == "clang"; inherit version; } targetPlatform;
        isClang = kind == "clang";
      };
      # Why the pure environment has no `kind` `version` compiler for this
      # set's target (null: it has): the lock holds gcc 12 only, so far.
      pureGap = kind: version:
        let deb = (toolchains.gccFor { inherit version; } targetPlatform).versionDeb; in
        if kind == "clang" then
          (if !(pureEnv.supports (targetPlatform // { useLLVM = true; })) then
            "xnixpkgs: the pure environment (pkgs/debian/pure.nix) has no clang for ${targetPlatform.config} yet; import the collection with `config.xnixPure = false;` to build with the build machine's clang"
          else if version != pureEnv.llvm.version then
            "xnixpkgs: the pure environment (pkgs/debian/pure.nix) has clang ${pureEnv.llvm.version} only, not clang ${version}; use clang${pureEnv.llvm.version}, or import the collection with `config.xnixPure = false;` to build with the build machine's clang ${version}"
          else null)
        else if !(pureEnv.isLocked deb) then
          "xnixpkgs: the pure environment (pkgs/debian/pure.nix) has no gcc ${version} for ${targetPlatform.config} (the lock of Debian packages has no `${deb}`); use the lock's gcc (gcc${toolchains.defaultGccFor targetPlatform}), or import the collection with `config.xnixPure = false;` to build with the build machine's gcc ${version}"
        else null;
      pureToolchain = kind: version: hostToolchain:
        let gap = pureGap kind version; in
        if gap != null then throw gap
        else hostToolchain // {
          identity = [ ];
          fullVersion = pureEnv.upstreamVersion hostToolchain.versionDeb;
          hasCxx = true;
        };
      # toolchains.nix `status`'s fields for a compiler of the lock (fetched
      # when first used, so nothing to install).
      pureStatus = kind: version:
        let gap = if emulatedNative then null else pureGap kind version; in {
          inherit kind version;
          config = targetPlatform.config;
          known = gap == null;
          available = gap == null;
          aptPackages = [ ];
          missingDebs = [ ];
          install = [ ];
          reason = if gap == null then "" else gap;
          # What builds but may not run where users expect: the same C
          # library as the build machine's toolchain (armhf on ARMv6).
          caveat = if emulatedNative then "" else (toolchains.status { clang = kind == "clang"; inherit version; } targetPlatform).caveat;
          pure = true;
        };
      versions = kind: vs: map (v: { name = "${kind}${v}"; value = wrapper kind v; }) vs;
    in
    builtins.listToAttrs (versions "gcc" toolchains.gccVersions ++ versions "clang" toolchains.clangVersions);
in
lib.fix (lib.extends (lib.composeManyExtensions ([ compilers allPackages ] ++ overlays)) base)
