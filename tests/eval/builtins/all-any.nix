with builtins; [ (all (x: x > 0) [ 1 2 ]) (all (x: x > 1) [ 1 2 ]) (any (x: x > 1) [ 1 2 ]) (any (x: x > 5) [ 1 2 ]) (all (x: x) [ ]) (any (x: x) [ ]) ]
