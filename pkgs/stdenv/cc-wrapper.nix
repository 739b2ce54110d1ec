# A compiler wrapper package: `<targetPrefix>cc`, `c++`, `ar`, `ld`, `strip`,
# ... in $out/bin for `targetPlatform`, running on `hostPlatform` over the
# build machine's Debian toolchain (outside the store; see `__impureHostDeps`).
# Its name carries the compiler's version, as nixpkgs' wrappers do
# (`riscv64-unknown-linux-gnu-gcc-wrapper-12.2.0`).
#
# Only the build machine runs Debian's compilers: a wrapper for any other host
# (`pkgsCross.riscv64.gcc`, a gcc running on riscv64) is an evaluation error
# when built or depended on, as build-support/host-tool.nix does for tools; it
# stays a package otherwise, so that splicing can pick the build machine's.
{ lib
, hostPlatform
, targetPlatform
  # Whether `hostPlatform` is the build machine (the set is not a cross set).
, runsOnBuildMachine
, buildPlatform
, toolchain
  # The toolchain's status (toolchains.nix `status`), without failing.
, status
, sandbox
  # Flags for every link (pure builds: the C library's loader and run path).
, extraLinkFlags ? [ ]
, isClang ? false
}:
let
  kind = if isClang then "clang" else "gcc";
  cross = hostPlatform.config != targetPlatform.config;
  targetPrefix = lib.optionalString cross "${targetPlatform.config}-";
  # Environment variables the wrapper reads are suffixed with this, so that a
  # build-machine and a host-machine compiler in one build keep their flags apart.
  suffixSalt = lib.sanitizeVarName targetPlatform.config;
  static = targetPlatform.isStatic || toolchain.alwaysStatic;

  # The platform's `gcc` settings (nixpkgs' `targetPlatform.gcc`) as compiler
  # flags, as nixpkgs' wrapper passes them. A value the compiler does not know
  # is passed all the same: the compiler rejects it when the wrapper is used,
  # instead of a build for another processor than asked for.
  gccSettings = targetPlatform.gcc or { };
  # nixpkgs names the instruction set of 32-bit ARM code `gcc.thumb` (a
  # boolean) or, for the gcc it builds, `gcc.mode` (its `--with-mode=`); gcc
  # has no `-mmode=` option, so both become `-mthumb`/`-marm`.
  armMode =
    if gccSettings ? thumb then (if gccSettings.thumb then "thumb" else "arm")
    else gccSettings.mode or null;
  # Debian's armhf gcc emits Thumb-2 unless told otherwise, while nixpkgs'
  # gcc emits ARM code. Processors before ARMv6T2 have no Thumb-2, and
  # Thumb-1 cannot use the hard-float ABI: for them ARM code is the only
  # choice (gcc otherwise stops with "Thumb-1 'hard-float' VFP ABI").
  preThumb2 = builtins.match "armv([2-5].*|6|6j|6k|6kz|6z|6zk)" (gccSettings.arch or "") != null
    || builtins.match "arm[0-9].*" (gccSettings.cpu or "") != null;
  impliedArmMode = if targetPlatform.isAarch32 && armMode == null && preThumb2 then "arm" else armMode;
  # gcc for POWER has no `-march=` (nixpkgs leaves it out there): say so
  # rather than build for the default processor.
  powerArch = throw ("xnixpkgs: ${targetPlatform.config}: gcc.arch = \"${gccSettings.arch}\" cannot be honoured: "
    + "compilers for POWER take the processor as gcc.cpu (`-mcpu=`), not gcc.arch");
  machineFlags =
    lib.optional (gccSettings ? arch) (if targetPlatform.isPower then powerArch else "-march=${gccSettings.arch}")
    ++ lib.optional (gccSettings ? cpu) "-mcpu=${gccSettings.cpu}"
    ++ lib.optional (gccSettings ? float-abi) "-mfloat-abi=${gccSettings.float-abi}"
    ++ lib.optional (gccSettings ? fpu) "-mfpu=${gccSettings.fpu}"
    ++ lib.optional (impliedArmMode != null) "-m${impliedArmMode}"
    ++ lib.optional (gccSettings ? tune) "-mtune=${gccSettings.tune}"
    # nixpkgs builds its gcc `--with-abi=`; Debian's prebuilt gcc takes the
    # ABI on the command line instead.
    ++ lib.optional (gccSettings ? abi) "-mabi=${gccSettings.abi}";

  targetFlags = lib.optional (isClang && targetPlatform.config != "x86_64-unknown-linux-gnu") "--target=${toolchain.clangTarget}";
  # Flags for every compiler run, preprocessing included.
  cppFlags = targetFlags ++ machineFlags;
  baseFlags = cppFlags;
  # Flags for runs that link only: clang warns about unused linker flags
  # when it only compiles, which turns into an error under -Werror (and so
  # into a wrong answer of a configure check).
  linkFlags = lib.optional isClang "-fuse-ld=lld" ++ lib.optional static "-static" ++ extraLinkFlags;
  binutils = [ "ar" "as" "ld" "nm" "objcopy" "objdump" "ranlib" "readelf" "size" "strings" "strip" "addr2line" ]
    ++ lib.optionals targetPlatform.isWindows [ "windres" "dlltool" ];
  drv = derivation ({
    name = "${targetPrefix}${kind}-wrapper-${toolchain.fullVersion}";
    system = hostPlatform.system;
    builder = "/bin/bash";
    args = [ "-e" ./cc-wrapper-builder.sh ];
    # The identity of the Debian packages behind this wrapper (see toolchains.nix).
    toolchainIdentity = toolchain.identity;
    realCc = toolchain.cc;
    realCxx = if toolchain.hasCxx then toolchain.cxx else "";
    binPrefix = toolchain.binPrefix;
    inherit targetPrefix suffixSalt binutils baseFlags cppFlags linkFlags;
    targetConfig = targetPlatform.config;
    windows = if targetPlatform.isWindows then "1" else "";
  } // sandbox);
  passthru = {
    inherit targetPrefix suffixSalt isClang targetPlatform;
    # The flags that carry `targetPlatform.gcc` (nixpkgs' wrapper has the same).
    inherit machineFlags;
    isGNU = !isClang;
    version = toolchain.fullVersion;
    # The toolchain data and its status, for stdenv (sysroot, static) and `xnix doctor`.
    xnixToolchain = toolchain;
    xnixToolchainStatus = status;
  };
  notHere = throw ("xnixpkgs: this ${kind} would run on ${hostPlatform.config} (the `${kind}` of a package set whose host is not the build machine, "
    + "such as pkgsCross.<name>.${kind}), but xnix only wraps the build machine's Debian compilers, which run on ${buildPlatform.config}. "
    + "For a ${kind} emitting code for ${targetPlatform.config}, use `buildPackages.${kind}` of this set (what its `stdenv.cc` is).");
  elsewhere = drv // passthru // { drvPath = notHere; outPath = notHere; out = elsewhere; };
in
if runsOnBuildMachine then drv // passthru else elsewhere
