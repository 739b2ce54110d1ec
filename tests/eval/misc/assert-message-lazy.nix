let check = x: assert builtins.isInt x; x * 2; in map check [ 1 2 ]
