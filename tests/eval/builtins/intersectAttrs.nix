builtins.intersectAttrs { a = 1; b = 2; } { b = 20; c = 30; a = 10; }
