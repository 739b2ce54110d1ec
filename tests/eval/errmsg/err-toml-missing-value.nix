builtins.fromTOML ''a = ''
