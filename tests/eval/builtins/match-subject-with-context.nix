# The string matched, hashed or replaced in may refer to store paths.
[ (builtins.match "a" "${builtins.toFile "n" "x"}") (builtins.hashString "sha256" "${builtins.toFile "n" "x"}") (builtins.replaceStrings [ "x" ] [ "y" ] "${builtins.toFile "n" "x"}") ]
