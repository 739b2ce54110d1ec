(import ./lib/../lib/uses-builtins.nix)
