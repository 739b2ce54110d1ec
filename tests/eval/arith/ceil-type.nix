builtins.typeOf (builtins.ceil 1.2)
