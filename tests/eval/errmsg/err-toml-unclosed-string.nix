builtins.fromTOML ''a = "x''
