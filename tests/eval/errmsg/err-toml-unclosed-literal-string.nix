builtins.fromTOML "a = 'x"
