# expect-error: has clang 14 only, not clang 15
# Pure builds have the locked clang (14) only: another version is an error
# naming the version there is, not a build with whatever the host has.
{ xnixpkgs }:
(import xnixpkgs { config.xnixPure = true; overlays = [ (self: super: { clang = self.clang15; }) ]; }).pkgsLLVM.hello.drvPath
