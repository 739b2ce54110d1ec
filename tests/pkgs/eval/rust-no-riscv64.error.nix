# expect-error: no Rust standard library for riscv64-unknown-linux-gnu
# Debian bookworm has no riscv64 port, so the lock has no riscv64 Rust
# standard library: a riscv64 Rust package fails at evaluation, naming the
# platforms it can be built for.
{ xnixpkgs }:
(import xnixpkgs { }).pkgsCross.riscv64.ripgrep.outPath
