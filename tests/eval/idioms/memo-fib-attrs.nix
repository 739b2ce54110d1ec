let n = 80; memo = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = if i < 2 then i else memo.${toString (i - 1)} + memo.${toString (i - 2)}; }) (n + 1)); in memo.${toString n}
