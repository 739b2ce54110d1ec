with { a = 1; b = 10; }; with { a = 2; }; b
