builtins.typeOf (import ./lib/data.json.nix)
