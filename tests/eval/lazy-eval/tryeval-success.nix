builtins.tryEval 42
