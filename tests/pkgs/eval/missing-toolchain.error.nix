# expect-error: apt-get install gcc-s390x-linux-gnu libc6-dev-s390x-cross
# A platform whose Debian cross compiler is not installed fails to evaluate,
# naming the packages to install. install-deps installs every toolchain the
# collection knows: a dpkg database without any package (an empty directory
# as `config.xnixDpkgInfoDir`) stands for a machine without it. Only with the
# build machine's compilers (`config.xnixPure = false`).
{ xnixpkgs }:
(import xnixpkgs { config = { xnixPure = false; xnixDpkgInfoDir = "/var/empty/xnix-no-dpkg"; }; }).pkgsCross.s390x.hello.drvPath
