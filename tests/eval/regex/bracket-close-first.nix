builtins.match "[^]]*" "abc"
