builtins.path { path = ./lib/text.txt; }
