# Attribute names may not refer to store paths.
builtins.catAttrs "${builtins.toFile "n" "x"}" [ ]
