builtins.deepSeq [ 1 2 ] 3
