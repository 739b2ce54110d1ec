# An output name may not refer to a store path.
builtins.placeholder "${builtins.toFile "n" "x"}"
