let x = { a = 1 + 1; }; in builtins.seq x.a x
