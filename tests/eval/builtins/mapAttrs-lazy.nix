(builtins.mapAttrs (n: v: v * 2) { a = 1; b = throw "no"; }).a
