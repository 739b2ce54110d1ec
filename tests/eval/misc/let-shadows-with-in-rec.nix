let x = 1; in with { x = 2; y = 3; }; rec { a = x; b = y; x = 4; c = x; }
