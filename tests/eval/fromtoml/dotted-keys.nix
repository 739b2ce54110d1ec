builtins.fromTOML "a.b.c = 1\na.d = 2"
