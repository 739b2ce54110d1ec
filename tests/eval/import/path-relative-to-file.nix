import ./lib/self-path.nix
