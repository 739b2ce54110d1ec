# A dynamic attribute name after '?' may not refer to a store path.
{ } ? ${"${builtins.toFile "n" "x"}"}
