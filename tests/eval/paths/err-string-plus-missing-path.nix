builtins.typeOf ("x" + ./a)
