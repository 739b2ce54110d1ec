builtins.tryEval (builtins.deepSeq { a = [ (throw "inner") ]; } "fine")
