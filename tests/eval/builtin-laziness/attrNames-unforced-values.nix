builtins.length (builtins.attrNames { a = throw "a"; })
