let a = builtins.toFile "a" "A"; in builtins.toFile "b" "refers to ${a}"
