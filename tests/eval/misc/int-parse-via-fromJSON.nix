builtins.fromJSON "42" + 1
