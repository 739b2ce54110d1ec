builtins.foldl' (x: f: f x) 1 [ (x: x + 1) (x: x * 10) ]
