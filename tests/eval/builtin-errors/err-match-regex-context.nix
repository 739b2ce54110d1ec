# A regex may not refer to a store path.
builtins.match "${builtins.toFile "n" "x"}" "a"
