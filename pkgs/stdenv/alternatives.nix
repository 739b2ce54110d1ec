# Commands Debian provides through /etc/alternatives (awk, which, lzma, ...),
# which a sandbox with its own /etc cannot follow: symlinks straight to the
# programs the alternatives name on a Debian bookworm build machine. Part of
# every stdenv build's PATH; the Debian packages' identity is in the derivation.
{ lib, buildPlatform, sandbox }:
let
  links = {
    awk = "/usr/bin/mawk";
    nawk = "/usr/bin/mawk";
    which = "/usr/bin/which.debianutils";
    lzma = "/usr/bin/xz";
    unlzma = "/usr/bin/xz";
    lzcat = "/usr/bin/xz";
  };
  debs = [ "mawk" "debianutils" "xz-utils" ];
  info = deb: "/var/lib/dpkg/info/${deb}.md5sums";
in
derivation ({
  name = "debian-alternatives";
  system = buildPlatform.system;
  builder = "/bin/bash";
  args = [ "-e" "-c" ''
    export PATH=/usr/bin:/bin
    mkdir -p $out/bin
    ${lib.concatStringsSep "\n" (lib.mapAttrsToList (name: target: ''
      [ -x ${target} ] || { echo "missing ${target} on the build machine" >&2; exit 1; }
      ln -s ${target} $out/bin/${name}'') links)}
  '' ];
} // sandbox // lib.optionalAttrs (!(sandbox ? __xnixRoot)) {
  toolchainIdentity = map
    (deb: if builtins.pathExists (info deb) then "${deb}=${builtins.hashFile "sha256" (info deb)}"
      else throw "xnixpkgs: the build environment needs the Debian package `${deb}`; install it with `apt-get install ${deb}`")
    debs;
})
