builtins.scopedImport { x = 7; } ./lib/uses-outer-with.nix
