{ ${builtins.toFile "k" "v"} = 1; }
