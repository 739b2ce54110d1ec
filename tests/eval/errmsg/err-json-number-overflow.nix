builtins.fromJSON "[ 1e999 ]"
