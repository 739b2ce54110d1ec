# clang and lld in the pure environment (`pkgsLLVM`, `clangStdenv`):
# Debian's clang 14 and lld 14 from the amd64 lock, added to the root the gcc
# stdenv of the same platform has. clang takes its crt files, libgcc and
# C++ library from that root's gcc (the native one, or Debian's cross gcc
# with the target's C library headers for another CPU), and links through
# lld with the same flags as the pure gcc: the program's interpreter and run
# path name the lock's C library in the store.
{ root, defaultGroups, linuxSupports }:
let
  baseRoot = root;
  group = "clang";
  cpuOf = p: p.parsed.cpu.name;
  # musl-gcc is a gcc specs file: clang has no musl set-up here.
  isMusl = p: p.parsed.abi.name == "musl";
in
rec {
  # Whether `p` is compiled with clang (pkgsLLVM; stage.nix marks a
  # clangStdenv's platform the same way).
  wanted = p: p.useLLVM or false;
  # The platforms whose gcc environment is pure, with glibc.
  supports = p: linuxSupports (p // { useLLVM = false; }) && !isMusl p;
  # The clang version the lock has (its `clang` group): any other clangNN
  # is refused in a pure set.
  version = "14";
  root = p:
    if supports p then baseRoot { target = cpuOf p; groups = defaultGroups ++ [ group ]; }
    else throw "xnixpkgs: the pure environment (pkgs/debian/pure.nix) has no clang for ${p.config}: clang builds cover the Linux targets of its gcc builds with glibc";
}
