let f = x: x * 2; g = y: f (f y); in g 5
