builtins.substring 0 1.0 "ab"
