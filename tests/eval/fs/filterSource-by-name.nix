"${builtins.filterSource (path: type: baseNameOf path != "b.txt") ./lib/tree}"
