builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 20)
