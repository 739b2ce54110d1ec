builtins.readFile ./lib/text.txt
