map builtins.tryEval [ 1 "a" (throw "x") (assert false; 1) ]
