let x = 2 * 3; in builtins.seq x { a = x; b = [ x ]; }
