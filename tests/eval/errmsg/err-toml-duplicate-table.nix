builtins.fromTOML "[t]\nx = 1\n[t]"
