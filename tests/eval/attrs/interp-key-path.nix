let p = "x"; in { a.${p}.b = 1; }
