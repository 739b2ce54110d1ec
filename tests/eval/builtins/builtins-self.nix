builtins.typeOf builtins.builtins
