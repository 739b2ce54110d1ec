# Attribute names may not refer to store paths.
builtins.unsafeGetAttrPos "${builtins.toFile "n" "x"}" { }
