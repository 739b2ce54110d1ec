let s = { outPath = "x"; }; t = { outPath = "x"; }; in s == t
