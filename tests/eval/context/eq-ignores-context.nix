builtins.toFile "a" "1" == builtins.unsafeDiscardStringContext (builtins.toFile "a" "1")
