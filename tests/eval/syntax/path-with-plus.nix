builtins.baseNameOf (toString ./a+b)
