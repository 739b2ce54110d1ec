(builtins.removeAttrs { a = 1; b = throw "b"; } [ "b" ]).a
