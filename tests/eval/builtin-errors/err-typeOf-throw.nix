builtins.typeOf (throw "t")
