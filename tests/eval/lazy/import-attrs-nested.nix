(import ./lib/val.nix).b
