builtins.path { path = ./lib/tree; filter = path: type: type == "directory" || builtins.match ".*\\.txt" path != null; }
