# Attribute names may not refer to store paths.
builtins.hasAttr "${builtins.toFile "n" "x"}" { }
