builtins.placeholder "out"
