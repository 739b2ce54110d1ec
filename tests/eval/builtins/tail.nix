builtins.tail [ 7 8 9 ]
