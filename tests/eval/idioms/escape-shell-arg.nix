let lib = import ./lib/mini-lib.nix; in with lib; map escapeShellArg [ "simple" "it's" "a b" 1 ]
