builtins.sort 1 [ 5 ]
