builtins.getContext (builtins.toJSON [ (builtins.toFile "a" "1") ])
