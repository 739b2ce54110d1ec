builtins.attrNames (builtins.mapAttrs (n: v: throw "no") { a = 1; b = 2; })
