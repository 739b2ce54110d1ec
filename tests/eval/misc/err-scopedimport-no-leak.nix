scopedImport { true = false; } ./lib/uses-x.nix
