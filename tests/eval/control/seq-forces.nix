builtins.tryEval (builtins.seq (throw "forced") 1)
