with { x = 1; }; import ./lib/uses-outer-with.nix
