let s = { }; in [ s.a or "x" ]
