scopedImport { true = false; } ./lib/uses-true.nix
