let x = { a = 1 + 1; }; in x
