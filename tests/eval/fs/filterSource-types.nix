let seen = builtins.filterSource (path: type: builtins.trace "${baseNameOf path}:${type}" true) ./lib/tree; in builtins.stringLength "${seen}"
