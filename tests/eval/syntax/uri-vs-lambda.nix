let f = x:x; in builtins.typeOf (x:x)
