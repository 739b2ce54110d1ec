builtins.foldl' (s: i: s + toString i) "" (builtins.genList (x: x) 20)
