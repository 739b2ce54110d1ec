builtins.readFile ./lib/tree
