let qs = l: if l == [ ] then [ ] else let p = builtins.head l; r = builtins.tail l; in qs (builtins.filter (x: x < p) r) ++ [ p ] ++ qs (builtins.filter (x: x >= p) r); in qs [ 5 3 8 1 9 2 7 3 ]
