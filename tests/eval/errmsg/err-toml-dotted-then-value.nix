builtins.fromTOML "a.b = 1\na = 2"
