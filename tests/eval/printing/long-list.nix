builtins.genList (i: i * 3) 300
