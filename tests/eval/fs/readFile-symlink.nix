builtins.readFile ./lib/tree/link-to-a
