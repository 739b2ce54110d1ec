builtins.fromJSON "\"a/b \\u007f \\u0000x\""
