let s = builtins.listToAttrs (builtins.genList (i: { name = "n${toString i}"; value = if i == 0 then 0 else s."n${toString (i - 1)}" + 1; }) 5000); in s.n4999
