# A compiler wrapper package: `<targetPrefix>cc`, `c++`, `ar`, `ld`, `strip`,
# ... in $out/bin for `targetPlatform`, running on `buildPlatform` over the
# build machine's Debian toolchain (outside the store; see `__impureHostDeps`).
{ lib, buildPlatform, targetPlatform, toolchain, impureHostDeps, isClang ? false }:
let
  cross = buildPlatform.config != targetPlatform.config;
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
in
derivation {
  name = "${targetPrefix}${if isClang then "clang" else "gcc"}-wrapper";
  system = buildPlatform.system;
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
}
// {
  inherit targetPrefix suffixSalt isClang;
  isGNU = !isClang;
  inherit targetPlatform;
}
