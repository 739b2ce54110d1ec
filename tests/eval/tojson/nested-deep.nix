builtins.toJSON { a.b.c.d = [ [ [ 1 ] ] ]; }
