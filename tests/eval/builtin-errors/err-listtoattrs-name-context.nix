# Attribute names may not refer to store paths.
builtins.listToAttrs [ { name = "${builtins.toFile "n" "x"}"; value = 1; } ]
