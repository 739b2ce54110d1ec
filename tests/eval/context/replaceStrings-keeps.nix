builtins.getContext (builtins.replaceStrings [ "nix" ] [ "NIX" ] "${builtins.toFile "a" "1"}")
