builtins.foldl' (a: b: a + b) 7 [ ]
