builtins.pathExists ./lib/tree/link-to-a
