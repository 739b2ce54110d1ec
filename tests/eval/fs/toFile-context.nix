builtins.getContext (builtins.toFile "f" "x")
