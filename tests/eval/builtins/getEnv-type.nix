builtins.typeOf (builtins.getEnv "HOME")
