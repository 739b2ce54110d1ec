builtins.fromTOML "a = 0x"
