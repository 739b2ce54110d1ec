builtins.findFile [ { prefix = "lib"; path = toString ./lib; } ] "lib/data.txt" == ./lib/data.txt
