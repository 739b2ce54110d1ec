import ./lib/val.nix
