builtins.listToAttrs (map (n: { name = "x${toString n}"; value = n; }) [ 3 1 2 ])
