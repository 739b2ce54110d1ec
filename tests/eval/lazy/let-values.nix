let x = 5; y = x * 2; in { inherit x y; z = x; }
