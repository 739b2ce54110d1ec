builtins.split "(a)b" "xabyabz"
