builtins.toFile 1 "x"
