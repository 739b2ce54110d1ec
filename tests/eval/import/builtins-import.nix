(builtins.import ./lib/value.nix).list
