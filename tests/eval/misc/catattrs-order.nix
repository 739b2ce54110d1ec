builtins.catAttrs "v" [ { v = 3; } { v = 1; } { w = 0; } { v = 2; } ]
