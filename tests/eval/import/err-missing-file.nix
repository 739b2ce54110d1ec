import ./lib/missing.nix
