# builtins.path rejects arguments it does not know.
builtins.path { path = ./err-path-unknown-argument.nix; recursive = true; mode = 1; }
