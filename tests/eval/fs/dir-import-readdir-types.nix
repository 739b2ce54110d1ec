builtins.attrValues (builtins.readDir ./lib/tree)
