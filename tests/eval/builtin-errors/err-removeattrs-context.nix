# Attribute names may not refer to store paths.
builtins.removeAttrs { } [ "${builtins.toFile "n" "x"}" ]
