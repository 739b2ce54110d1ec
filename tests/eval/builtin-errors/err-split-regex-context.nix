# A regex may not refer to a store path.
builtins.split "${builtins.toFile "n" "x"}" "a"
