builtins.toJSON { z = 1; a = 2; M = 3; }
