builtins.substring "a" 1 "x"
