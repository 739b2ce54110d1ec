builtins.typeOf <nix/fetchurl.nix>
