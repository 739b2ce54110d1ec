builtins.getContext (toString [ (builtins.toFile "a" "x") "plain" ])
