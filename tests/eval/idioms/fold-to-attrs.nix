builtins.foldl' (acc: x: acc // { ${x} = (acc.${x} or 0) + 1; }) { } [ "a" "b" "a" "c" "a" ]
