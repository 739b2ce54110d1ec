# The packages of the collection. `self` is the finished package set (after
# overlays); packages are called through `self.callPackage`, which splices.
{ lib, self }:
let
  inherit (self) callPackage;
  hostTool = import ../build-support/host-tool.nix { inherit lib; inherit (self) stdenv; };
  trivialBuilders = import ../build-support/trivial-builders.nix { inherit lib; inherit (self) stdenv; };
in
{
  fetchurl = import ../build-support/fetchurl.nix { inherit lib; };

  # ---- small derivations: shell commands, text files, scripts, symlink trees
  inherit (trivialBuilders) runCommand runCommandWith runCommandLocal writeTextFile writeText writeScript
    writeScriptBin writeShellScript writeShellScriptBin symlinkJoin;
  buildEnv = import ../build-support/build-env.nix { inherit lib; inherit (trivialBuilders) runCommandWith; };

  # ---- build tools from the build machine (see build-support/host-tool.nix)
  cmake = hostTool { pname = "cmake"; debs = [ "cmake" "cmake-data" ]; programs = [ "cmake" "ctest" "cpack" ]; setupHook = ../build-support/hooks/cmake.sh; passthru.isCMake = true; };
  meson = hostTool { pname = "meson"; debs = [ "meson" ]; programs = [ "meson" ]; setupHook = ../build-support/hooks/meson.sh; };
  ninja = hostTool { pname = "ninja"; aptPackage = "ninja-build"; debs = [ "ninja-build" ]; programs = [ "ninja" ]; setupHook = ../build-support/hooks/ninja.sh; };
  pkg-config = hostTool { pname = "pkg-config"; debs = [ "pkg-config:amd64" "pkgconf:amd64" "pkgconf-bin" ]; programs = [ "pkg-config" ]; };
  tcl = hostTool { pname = "tcl"; aptPackage = "tcl8.6"; debs = [ "tcl8.6" ]; programs = [ "tclsh" "tclsh8.6" ]; };
  qemu-user = hostTool { pname = "qemu-user"; debs = [ "qemu-user" ]; programs = [ "qemu-aarch64" "qemu-arm" "qemu-riscv64" ]; };

  # ---- packages from upstream sources (Debian's orig tarballs)
  hello = callPackage ../packages/hello.nix { };
  zlib = callPackage ../packages/zlib.nix { };
  lua = callPackage ../packages/lua.nix { };
  sqlite = callPackage ../packages/sqlite.nix { };
  pigz = callPackage ../packages/pigz.nix { };
  bzip2 = callPackage ../packages/bzip2.nix { };
  cjson = callPackage ../packages/cjson.nix { };
  inih = callPackage ../packages/inih.nix { };
  xz = callPackage ../packages/xz.nix { };
  zstd = callPackage ../packages/zstd.nix { };
  ncurses = callPackage ../packages/ncurses.nix { };
  readline = callPackage ../packages/readline.nix { };
  libffi = callPackage ../packages/libffi.nix { };
  bash = callPackage ../packages/bash.nix { };
  busybox = callPackage ../packages/busybox.nix { };
  openssl = callPackage ../packages/openssl.nix { };
  gzip = callPackage ../packages/gzip.nix { };
  less = callPackage ../packages/less.nix { };
  pcre2 = callPackage ../packages/pcre2.nix { };
  nano = callPackage ../packages/nano.nix { };
  file = callPackage ../packages/file.nix { };
  expat = callPackage ../packages/expat.nix { };
  e2fsprogs = callPackage ../packages/e2fsprogs.nix { };
  dropbear = callPackage ../packages/dropbear.nix { };
  iproute2 = callPackage ../packages/iproute2.nix { };
  curl = callPackage ../packages/curl.nix { };

  # ---- Rust: Debian's rustc, cargo, standard libraries and crates (build-support/rust)
  rustPlatform = callPackage ../build-support/rust { };
  ripgrep = callPackage ../packages/ripgrep.nix { };
}
