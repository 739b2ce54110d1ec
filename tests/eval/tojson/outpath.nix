builtins.toJSON { outPath = "o"; x = 1; }
