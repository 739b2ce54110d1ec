let n = "a.txt"; in builtins.readFile ./lib/tree/${n}
