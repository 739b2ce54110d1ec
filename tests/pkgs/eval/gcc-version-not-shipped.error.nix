# expect-error: Debian bookworm has no gcc 11 for riscv64-unknown-linux-gnu; the versions it has: gcc12
# A version Debian does not ship for the target cannot be installed: the
# error says so (and which versions there are) instead of an apt-get line.
{ xnixpkgs }:
(import xnixpkgs { overlays = [ (self: super: { gcc = self.gcc11; }) ]; }).pkgsCross.riscv64.hello.drvPath
