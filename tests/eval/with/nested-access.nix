with { s = { t = 9; }; }; s.t
