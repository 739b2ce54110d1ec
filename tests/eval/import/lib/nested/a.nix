import ./b.nix + 1
