builtins.fromJSON "1.0e400"
