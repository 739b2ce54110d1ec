builtins.head [ 7 8 ]
