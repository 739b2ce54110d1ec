# Versions may not refer to store paths.
builtins.compareVersions "1" "${builtins.toFile "n" "x"}"
