let b = 1; in with { b = 2; }; with { b = 3; }; b
