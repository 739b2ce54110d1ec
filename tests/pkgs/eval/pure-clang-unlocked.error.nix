# expect-error: the pure environment (pkgs/debian/pure.nix) has clang 14 only, not clang 15
# Pure builds have the locked clang (14) only: another version is an error
# saying how to add it, not a build against whatever the host has.
{ xnixpkgs }:
(import xnixpkgs { config.xnixPure = true; overlays = [ (self: super: { clang = self.clang15; }) ]; }).pkgsLLVM.hello.drvPath
