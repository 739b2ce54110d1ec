[ (builtins.pathExists ./lib/tree) (builtins.pathExists ./lib/tree/a.txt) (builtins.pathExists ./lib/nope) (builtins.pathExists (toString ./lib/tree/sub)) ]
