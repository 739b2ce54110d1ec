builtins.seq { a = throw "inner"; } "fine"
