let a = { b = a.b; }; in a
