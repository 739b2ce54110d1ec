let s = { a = 1 + 1; b = [ (2 + 2) ]; }; in builtins.deepSeq s s
