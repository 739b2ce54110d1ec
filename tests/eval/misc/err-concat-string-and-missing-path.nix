builtins.typeOf ("/abs" + /b)
