builtins.substring 3 10 "abc"
