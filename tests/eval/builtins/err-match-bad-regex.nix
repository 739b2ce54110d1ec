builtins.match "[" "a"
