builtins.path { path = ./lib/tree; name = "renamed"; }
