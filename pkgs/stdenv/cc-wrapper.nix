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
, impureHostDeps
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
  baseFlags =
    lib.optionals isClang ([ "-fuse-ld=lld" ] ++ lib.optional (targetPlatform.config != "x86_64-unknown-linux-gnu") "--target=${toolchain.clangTarget}")
    ++ lib.optional static "-static";
  binutils = [ "ar" "as" "ld" "nm" "objcopy" "objdump" "ranlib" "readelf" "size" "strings" "strip" "addr2line" ]
    ++ lib.optionals targetPlatform.isWindows [ "windres" "dlltool" ];
  drv = derivation {
    name = "${targetPrefix}${kind}-wrapper-${toolchain.fullVersion}";
    system = hostPlatform.system;
    builder = "/bin/bash";
    args = [ "-e" ./cc-wrapper-builder.sh ];
    __impureHostDeps = impureHostDeps;
    # The identity of the Debian packages behind this wrapper (see toolchains.nix).
    toolchainIdentity = toolchain.identity;
    realCc = toolchain.cc;
    realCxx = if toolchain.hasCxx then toolchain.cxx else "";
    binPrefix = toolchain.binPrefix;
    inherit targetPrefix suffixSalt binutils baseFlags;
    targetConfig = targetPlatform.config;
    windows = if targetPlatform.isWindows then "1" else "";
  };
  passthru = {
    inherit targetPrefix suffixSalt isClang targetPlatform;
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
