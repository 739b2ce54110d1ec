scopedImport { } ./lib/uses-builtins.nix
