builtins.hasContext (builtins.readFile ./lib/plain.txt)
