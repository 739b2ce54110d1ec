let inner = { v = [ 1 2 ]; }; outer = { a = inner; b = { c = inner; }; }; in outer
