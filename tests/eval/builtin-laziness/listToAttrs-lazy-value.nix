builtins.attrNames (builtins.listToAttrs [ { name = "a"; value = throw "v"; } ])
