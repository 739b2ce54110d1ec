builtins.typeOf builtins.currentTime
