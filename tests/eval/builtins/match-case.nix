builtins.match "[A-Z]+" "abc"
