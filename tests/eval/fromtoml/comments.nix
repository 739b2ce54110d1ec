builtins.fromTOML "# comment\na = 1 # trailing\n"
