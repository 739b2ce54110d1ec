let x = 1; in import ./lib/uses-outer-with.nix
