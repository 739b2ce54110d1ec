# expect-error: is not available for the host platform x86_64-w64-mingw32
# meta.platforms excludes Windows for pigz: a clear error, not a failed build.
{ xnixpkgs }:
(import xnixpkgs { }).pkgsCross.mingwW64.pigz.outPath
