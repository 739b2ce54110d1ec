"${builtins.filterSource (path: type: type != "directory") ./lib/tree}"
