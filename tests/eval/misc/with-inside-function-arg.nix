(a: with { a = 2; b = 3; }; [ a b ]) 1
