builtins.fromJSON "[1, @]"
