builtins.toFile "j" "x"
