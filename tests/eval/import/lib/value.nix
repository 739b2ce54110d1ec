{ answer = 42; list = [ 1 2 3 ]; }
