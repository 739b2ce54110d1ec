let a = 10; b = 2; in [ (builtins.typeOf a/b) (a / b) (a/ b) ]
