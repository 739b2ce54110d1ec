let s = { k = 1; }; in map (x: s) [ 1 2 ]
