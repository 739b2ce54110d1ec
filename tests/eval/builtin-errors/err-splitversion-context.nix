# A version may not refer to a store path.
builtins.splitVersion "${builtins.toFile "n" "x"}"
