builtins.readFile (toString ./lib/tree/b.txt)
