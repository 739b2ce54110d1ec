builtins.genList (x: x) 100000 == builtins.genList (x: x) 100000
