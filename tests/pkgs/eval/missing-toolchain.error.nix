# expect-error: apt-get install gcc-s390x-linux-gnu
# A platform whose Debian cross compiler is not installed fails to evaluate,
# naming the package to install (s390x is deliberately not in install-deps).
{ xnixpkgs }:
(import xnixpkgs { }).pkgsCross.s390x.hello.drvPath
