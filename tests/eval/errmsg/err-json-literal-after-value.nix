builtins.fromJSON "[1, nul"
