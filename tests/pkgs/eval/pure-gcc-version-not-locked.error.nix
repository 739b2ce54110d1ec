# expect-error: the pure environment (pkgs/debian/pure.nix) has no gcc 11 for aarch64-unknown-linux-gnu
# A gcc version the lock of Debian packages does not hold fails when used,
# in the pure environment (the default), saying how to get it.
{ xnixpkgs }:
(import xnixpkgs { config.xnixPure = true; overlays = [ (self: super: { gcc = self.gcc11; }) ]; }).pkgsCross.aarch64-multiplatform.hello.drvPath
