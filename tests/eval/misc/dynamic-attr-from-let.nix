let names = [ "x" "y" ]; in builtins.foldl' (acc: n: acc // { ${n} = n; }) { } names
