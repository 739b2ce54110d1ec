builtins.genericClosure { startSet = [ { key = "c"; } { key = "a"; } { key = "c"; v = 2; } ]; operator = x: [ ]; }
