import ./lib/syntax-error.nix.txt
