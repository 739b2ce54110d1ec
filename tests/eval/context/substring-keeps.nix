builtins.getContext (builtins.substring 0 3 (builtins.toFile "a" "1"))
