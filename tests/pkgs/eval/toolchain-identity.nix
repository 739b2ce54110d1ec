# The compiler wrapper carries the identity of the Debian packages behind it.
{ xnixpkgs }:
let p = import xnixpkgs { }; c = p.pkgsCross.aarch64-multiplatform; in
builtins.elem ("gcc-12=" + builtins.hashFile "sha256" /var/lib/dpkg/info/gcc-12.md5sums) p.stdenv.cc.drvAttrs.toolchainIdentity
&& builtins.elem ("gcc-12-aarch64-linux-gnu=" + builtins.hashFile "sha256" /var/lib/dpkg/info/gcc-12-aarch64-linux-gnu.md5sums) c.stdenv.cc.drvAttrs.toolchainIdentity
&& p.hello.drvAttrs.__impureHostDeps == [ "/usr" "/bin" "/lib" "/lib64" ] && p.stdenv.cc.drvAttrs.__impureHostDeps == p.hello.drvAttrs.__impureHostDeps
