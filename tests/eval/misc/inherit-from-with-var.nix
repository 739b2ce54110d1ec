with { s = { a = 1; }; }; let inherit (s) a; in a
