# One package set: every package built on `buildPlatform` to run on
# `hostPlatform` (compilers in it emit code for `targetPlatform`). `links`
# gives the neighbouring sets of the sliding window, lazily.
{ lib, buildPlatform, hostPlatform, targetPlatform, overlays, config, links, nixpkgsFun, topArgs }:
let
  toolchains = import ../stdenv/toolchains.nix ({ inherit lib; } // lib.optionalAttrs (config ? xnixDpkgInfoDir) { dpkgInfoDir = config.xnixDpkgInfoDir; });
  isCross = buildPlatform.config != hostPlatform.config || buildPlatform.isStatic != hostPlatform.isStatic;

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

      mkStdenvWith = { cc, toolchain }: import ../stdenv {
        inherit lib buildPlatform hostPlatform targetPlatform cc toolchain config;
        alternatives = l.pkgsBuildHost.debianAlternatives;
        buildPackages = l.pkgsBuildHost;
      };
      useClang = hostPlatform.useLLVM or false;
    in
    {
      inherit lib config buildPlatform hostPlatform targetPlatform;
      inherit (l) pkgsBuildBuild pkgsBuildHost pkgsBuildTarget pkgsHostHost pkgsHostTarget pkgsTargetTarget;
      buildPackages = l.pkgsBuildHost;
      targetPackages = l.pkgsTargetTarget;

      # Compiler wrappers running on this set's host, emitting code for its
      # target: `stdenv.cc` of the next stage comes from here.
      gccForTarget = import ../stdenv/cc-wrapper.nix {
        inherit lib;
        buildPlatform = hostPlatform;
        inherit targetPlatform;
        toolchain = toolchains.forPlatform targetPlatform;
        impureHostDeps = import ../stdenv/impure-host-deps.nix;
      };
      clangForTarget = import ../stdenv/cc-wrapper.nix {
        inherit lib;
        buildPlatform = hostPlatform;
        inherit targetPlatform;
        toolchain = toolchains.clangFor targetPlatform;
        impureHostDeps = import ../stdenv/impure-host-deps.nix;
        isClang = true;
      };

      # Debian alternatives (awk, which, ...) for builders on this set's host.
      debianAlternatives = import ../stdenv/alternatives.nix {
        inherit lib;
        buildPlatform = hostPlatform;
        impureHostDeps = import ../stdenv/impure-host-deps.nix;
      };

      gccStdenv = mkStdenvWith { cc = l.pkgsBuildHost.gccForTarget; toolchain = toolchains.forPlatform hostPlatform; };
      clangStdenv = mkStdenvWith { cc = l.pkgsBuildHost.clangForTarget; toolchain = toolchains.clangFor hostPlatform; };
      stdenv = if useClang then self.clangStdenv else self.gccStdenv;
      # Whether `stdenv`'s toolchain is usable on this machine, as data (see toolchains.nix `status`).
      xnixToolchainStatus = toolchains.status { clang = useClang; } hostPlatform;

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
      pkgsLLVM = nixpkgsFun {
        localSystem = buildPlatform;
        crossSystem = { config = hostPlatform.config; useLLVM = true; linker = "lld"; };
      };
      # This set again with more overlays.
      appendOverlays = more: nixpkgsFun (topArgs // { overlays = topArgs.overlays ++ more; });
      extend = overlay: self.appendOverlays [ overlay ];
    };

  allPackages = self: prev: import ./all-packages.nix { inherit lib self; };
in
lib.fix (lib.extends (lib.composeManyExtensions ([ allPackages ] ++ overlays)) base)
