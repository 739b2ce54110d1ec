let s = { a = 1; }; in [ 1.5 s.a ]
