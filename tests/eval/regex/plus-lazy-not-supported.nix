builtins.match "a+b" "aaab"
