let s = { a = 1; }; f = x: x; in [ (f s.b or 2) ]
