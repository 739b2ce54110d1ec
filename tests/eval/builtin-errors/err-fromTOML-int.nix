builtins.fromTOML 1
