builtins.fromTOML "a = {"
