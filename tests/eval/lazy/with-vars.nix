with { a = 1; }; { b = a; }
