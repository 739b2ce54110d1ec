# expect-error: use `buildPackages.gcc` of this set (what its `stdenv.cc` is)
# `pkgsCross.riscv64.gcc` would be a gcc running on riscv64: xnix wraps only
# the build machine's compilers, so building it fails at evaluation, pointing
# to the compiler that emits riscv64 code.
{ xnixpkgs }:
(import xnixpkgs { }).pkgsCross.riscv64.gcc.outPath
