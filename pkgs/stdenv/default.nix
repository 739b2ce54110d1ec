# The standard environment: `mkDerivation` over the build machine's bash and
# a compiler wrapper. One stdenv builds on `buildPlatform` for `hostPlatform`.
{ lib, buildPlatform, hostPlatform, targetPlatform, cc, alternatives, toolchain, buildPackages, config ? { }
  # How builders see their tools: `__impureHostDeps` (the build machine's) or
  # `__xnixRoot` (a root of locked Debian packages; pkgs/debian/pure.nix).
, sandbox ? { __impureHostDeps = import ./impure-host-deps.nix; }
}:
let
  pure = sandbox ? __xnixRoot;
  impureHostDeps = sandbox.__impureHostDeps or [ ];
  isCross = buildPlatform.config != hostPlatform.config || (buildPlatform.isStatic != hostPlatform.isStatic);
  salt = p: lib.sanitizeVarName p.config;

  # A pure build sees none of the build machine's programs: its emulator is
  # the lock's static qemu, a store path (null: none for this platform).
  pureEmulator = if pure && isCross then (import ../debian/pure.nix { }).emulatorFor hostPlatform else null;
  emulatorAvailable = isCross && (if pure then pureEmulator != null else hostPlatform.emulatorAvailable buildPackages);

  # What a cross build needs to know about its host platform, for the cmake
  # toolchain file and meson cross file the setup hooks write.
  cpuFamily = cpu:
    if lib.hasPrefix "armv" cpu || cpu == "arm" then "arm"
    else if cpu == "i686" || cpu == "i586" || cpu == "i486" || cpu == "i386" then "x86"
    else if cpu == "powerpc64le" || cpu == "powerpc64" then "ppc64"
    else if cpu == "mips64el" then "mips64"
    else if cpu == "mipsel" then "mips"
    else cpu;
  crossEnv = lib.optionalAttrs isCross ({
    crossSystemName = if hostPlatform.isWindows then "Windows" else if hostPlatform.isDarwin then "Darwin" else "Linux";
    crossMesonSystem = hostPlatform.parsed.kernel.name;
    crossCpu = hostPlatform.parsed.cpu.name;
    crossCpuFamily = cpuFamily hostPlatform.parsed.cpu.name;
    crossEndian = if hostPlatform.isBigEndian then "big" else "little";
  } // lib.optionalAttrs (emulatorAvailable && !buildPlatform.canExecute hostPlatform) {
    # Programs built for the host run through this (tests, generators); when
    # the build machine runs them itself, `$emulator` is empty.
    emulator = if pure then pureEmulator else hostPlatform.emulator buildPackages;
    # (A pure program's loader and libraries are in the store: no sysroot.)
  } // lib.optionalAttrs (emulatorAvailable && !pure && toolchain.sysroot != null && !hostPlatform.isStatic && !toolchain.alwaysStatic) {
    QEMU_LD_PREFIX = toolchain.sysroot;
  });

  # A dependency given as a spliced package resolves to the variant for the
  # platforms of the dependency kind; anything else is taken as it is.
  pick = role: x: if builtins.isAttrs x && x ? __spliced then x.__spliced.${role} or x else x;
  # A dependency given as a whole package stands for its `dev` output when
  # it has one (headers, pkg-config files; `dev` propagates the outputs with
  # the libraries and programs), as `lib.getDev` chooses; an output named
  # explicitly (`zlib.out`) is kept.
  chooseDev = x: if builtins.isAttrs x && !(x.outputSpecified or false) && x ? dev then x.dev else x;
  pickAll = role: xs: map (x: chooseDev (pick role x)) (lib.filter (x: x != null) (lib.flatten xs));

  platformMatches = p: pat:
    if builtins.isString pat then pat == p.system || pat == p.config
    else if builtins.isAttrs pat then lib.all (n: (p.parsed.${n} or p.${n} or null) == pat.${n} || (builtins.isAttrs pat.${n} && (p.parsed.${n}.name or null) == (pat.${n}.name or null))) (builtins.attrNames pat)
    else false;

  mkDerivation = attrs:
    let
      pname = attrs.pname or null;
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      # The outputs, the first being the default (what `pkg` and `${pkg}` mean).
      outputs = attrs.outputs or [ "out" ];
      # As nixpkgs: what a user environment gets of the package by default.
      defaultOutputsToInstall =
        [ (if builtins.elem "bin" outputs then "bin" else if builtins.elem "out" outputs then "out" else builtins.head outputs) ]
        ++ lib.optional (builtins.elem "man" outputs) "man";
      meta = { outputsToInstall = defaultOutputsToInstall; } // (attrs.meta or { });
      passthru = attrs.passthru or { };
      # Pure cross builds have no emulator in their root yet: their tests do not run.
      doCheck' = (attrs.doCheck or false) && (!isCross || (emulatorAvailable && !pure));
      # A pure environment always names the platforms: configure's own guess
      # (config.guess) in older tarballs predates newer machines (hello 2.10's
      # cannot tell riscv64), and in an emulated build there is nothing else to
      # guess from.
      configurePlatforms = attrs.configurePlatforms or (lib.optionals (isCross || pure) [ "build" "host" ]);
      platformFlags =
        lib.optional (builtins.elem "build" configurePlatforms) "--build=${buildPlatform.config}"
        ++ lib.optional (builtins.elem "host" configurePlatforms) "--host=${hostPlatform.config}"
        ++ lib.optional (builtins.elem "target" configurePlatforms) "--target=${targetPlatform.config}";
      static = hostPlatform.isStatic || toolchain.alwaysStatic;
      # A static host gets static libraries only (ignored by non-autotools builds).
      staticFlags = lib.optionals (static && !(attrs.dontAddStaticConfigureFlags or false)) [ "--enable-static" "--disable-shared" ];

      supported =
        (!(meta ? platforms) || lib.any (platformMatches hostPlatform) meta.platforms)
        && !(lib.any (platformMatches hostPlatform) (meta.badPlatforms or [ ]));
      unsupportedError = throw ''
        xnixpkgs: package ‘${name}’ is not available for the host platform ${hostPlatform.config} (${hostPlatform.system}).
          meta.platforms: ${builtins.toJSON (meta.platforms or [ ])}
          Build it for another platform, or pass `config = { allowUnsupportedSystem = true; }` to try anyway.'';
      check = v: if supported || (config.allowUnsupportedSystem or false) then v else unsupportedError;

      env = builtins.removeAttrs attrs [
        "meta" "passthru" "pname" "doCheck" "configurePlatforms" "depsBuildBuild" "nativeBuildInputs" "depsBuildTarget"
        "depsHostHost" "buildInputs" "depsTargetTarget" "depsBuildBuildPropagated" "propagatedNativeBuildInputs"
        "depsBuildTargetPropagated" "depsHostHostPropagated" "propagatedBuildInputs" "depsTargetTargetPropagated"
        "strictDeps" "configureFlags" "dontAddStaticConfigureFlags" "runHostPrograms"
      ] // {
        inherit name;
        system = buildPlatform.system;
        builder = "/bin/bash";
        args = [ "-e" ./setup.sh ];
        hostConfig = hostPlatform.config;
        buildConfig = buildPlatform.config;
        hostSalt = salt hostPlatform;
        buildSalt = salt buildPlatform;
        strictDeps = attrs.strictDeps or isCross;
        doCheck = doCheck';
        depsBuildBuild = pickAll "buildBuild" (attrs.depsBuildBuild or [ ]);
        nativeBuildInputs = [ cc alternatives ] ++ pickAll "buildHost" (attrs.nativeBuildInputs or [ ]);
        depsBuildTarget = pickAll "buildTarget" (attrs.depsBuildTarget or [ ]);
        depsHostHost = pickAll "hostHost" (attrs.depsHostHost or [ ]);
        buildInputs = pickAll "hostTarget" (attrs.buildInputs or [ ]);
        depsTargetTarget = pickAll "targetTarget" (attrs.depsTargetTarget or [ ]);
        depsBuildBuildPropagated = pickAll "buildBuild" (attrs.depsBuildBuildPropagated or [ ]);
        propagatedNativeBuildInputs = pickAll "buildHost" (attrs.propagatedNativeBuildInputs or [ ]);
        depsBuildTargetPropagated = pickAll "buildTarget" (attrs.depsBuildTargetPropagated or [ ]);
        depsHostHostPropagated = pickAll "hostHost" (attrs.depsHostHostPropagated or [ ]);
        propagatedBuildInputs = pickAll "hostTarget" (attrs.propagatedBuildInputs or [ ]);
        depsTargetTargetPropagated = pickAll "targetTarget" (attrs.depsTargetTargetPropagated or [ ]);
        configureFlags = platformFlags ++ staticFlags ++ (attrs.configureFlags or [ ]);
      } // (if pure then sandbox // lib.optionalAttrs (attrs ? __impureHostDeps) { inherit (attrs) __impureHostDeps; }
            else { __impureHostDeps = (attrs.__impureHostDeps or [ ]) ++ impureHostDeps; })
      # `runHostPrograms = true`: the build executes programs it built for
      # the host directly (not through $emulator); a cross build then
      # registers the host's emulator in its own sandbox (xnix-build
      # binfmt.rs), and says so in its derivation.
      // lib.optionalAttrs ((attrs.runHostPrograms or false) && isCross && !buildPlatform.canExecute hostPlatform) {
        __xnixEmulate = [ hostPlatform.system ];
      }
      // lib.optionalAttrs hostPlatform.isWindows { hostIsWindows = true; }
      // lib.optionalAttrs static { hostIsStatic = true; }
      // crossEnv;

      drv = derivation env;

      # The package is its first output; each output is also an attribute
      # (`zlib.dev`), the same package seen through that output: its
      # `outPath` and `outputName` are the output's, and `outputSpecified`
      # tells lib.getDev and dependency lists that it was chosen explicitly.
      byOutput = lib.genAttrs outputs (o: final // {
        outPath = check drv.${o}.outPath;
        outputName = o;
        outputSpecified = true;
      });
      final = drv // passthru // byOutput // {
        inherit meta passthru;
        all = map (o: byOutput.${o}) outputs;
        drvPath = check drv.drvPath;
        outPath = check drv.outPath;
        stdenv = self;
        overrideAttrs = f:
          let r = f attrs; in mkDerivation (attrs // (if builtins.isFunction r then r attrs else r));
      } // lib.optionalAttrs (pname != null) { inherit pname; }
      // lib.optionalAttrs (attrs ? version) { inherit (attrs) version; };
    in
    final;

  self = {
    inherit buildPlatform hostPlatform targetPlatform cc alternatives mkDerivation isCross;
    shell = "/bin/bash";
    # The host paths every derivation of this stdenv reads (see the report in
    # pkgs/README.md): the sandbox bind-mounts them read-only.
    inherit impureHostDeps;
    # The attributes that give a builder of this stdenv its tools (for
    # derivations made without mkDerivation: runCommand, host tools).
    sandboxAttrs = sandbox;
    # Platform predicates as nixpkgs' stdenv offers them.
    inherit (hostPlatform) isLinux isDarwin;
  };
in
self
