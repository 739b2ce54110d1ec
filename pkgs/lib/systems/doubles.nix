# lib.systems.doubles: the Nix doubles the platform library knows, and
# subsets by kernel (a list of systems as `meta.platforms` takes it).
let
  # Generated from xnix's platform library (see platform-tables.json).
  all = (builtins.fromJSON (builtins.readFile ./platform-tables.json)).doubles;
  suffix = s: builtins.filter (d: builtins.match ".*-${s}" d != null) all;
  prefix = s: builtins.filter (d: builtins.match "${s}-.*" d != null) all;
in
{
  inherit all;
  none = [ ];
  linux = suffix "linux";
  darwin = suffix "darwin";
  windows = suffix "windows" ++ suffix "cygwin";
  freebsd = suffix "freebsd";
  netbsd = suffix "netbsd";
  openbsd = suffix "openbsd";
  unix = builtins.filter (d: builtins.match ".*-(linux|darwin|freebsd|netbsd|openbsd|cygwin|solaris|redox)" d != null) all;
  x86_64 = prefix "x86_64";
  i686 = prefix "i686";
  aarch64 = prefix "aarch64";
  riscv64 = prefix "riscv64";
}
