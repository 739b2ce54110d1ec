# A build tool taken from the build machine's Debian installation (cmake,
# meson, ninja, pkg-config, qemu-user): symlinks to its programs, the identity
# of its Debian packages in the derivation (as for the compiler wrapper), and
# an optional setup hook. In the pure environment "the build machine's
# installation" is the builders' root of locked Debian packages
# (pkgs/debian/pure.nix, group `stdenv-tools`): the root is the identity. It exists only for the build machine: for any other
# host platform its outputs are an evaluation error, which splicing avoids by
# taking it from buildPackages.
{ lib, stdenv }:
{ pname, debs, programs, aptPackage ? pname, setupHook ? null, passthru ? { } }:
let
  info = deb: "/var/lib/dpkg/info/${deb}.md5sums";
  pure = stdenv.sandboxAttrs ? __xnixRoot;
  identity = if pure then [ ] else map
    (deb:
      if builtins.pathExists (info deb) then "${deb}=${builtins.hashFile "sha256" (info deb)}"
      else throw "xnixpkgs: ${pname} comes from the build machine's Debian package `${deb}`, which is not installed; run `apt-get install ${aptPackage}` (or scripts/install-deps test)")
    debs;
  onBuildMachine = stdenv.buildPlatform.config == stdenv.hostPlatform.config;
  drv = derivation ({
    name = "${pname}-host";
    system = stdenv.buildPlatform.system;
    builder = "/bin/bash";
    args = [ "-e" "-c" ''
      export PATH=/usr/bin:/bin
      mkdir -p $out/bin
      for p in $programs; do
        if [ ! -x "/usr/bin/$p" ]; then echo "missing /usr/bin/$p (install Debian's ${aptPackage})" >&2; exit 1; fi
        /usr/bin/ln -s "/usr/bin/$p" "$out/bin/$p"
      done
      if [ -n "$hook" ]; then /usr/bin/mkdir -p $out/nix-support; /usr/bin/cp "$hook" $out/nix-support/setup-hook; fi
    '' ];
    toolchainIdentity = identity;
    inherit programs;
    hook = if setupHook == null then "" else setupHook;
  } // stdenv.sandboxAttrs);
  notHere = throw "xnixpkgs: ${pname} is taken from the build machine and cannot run on ${stdenv.hostPlatform.config}; use it from nativeBuildInputs (or buildPackages.${pname})";
in
drv // passthru // {
  inherit pname;
  drvPath = if onBuildMachine then drv.drvPath else notHere;
  outPath = if onBuildMachine then drv.outPath else notHere;
}
