builtins.tryEval (builtins.stringLength "x")
