# A dynamic attribute name in a selection may not refer to a store path, even with 'or'.
{ a = 1; }.${"${builtins.toFile "n" "x"}"} or 2
