builtins.attrNames (builtins.mapAttrs (n: v: v) { b = 1; a = 2; })
