builtins.getContext (builtins.unsafeDiscardStringContext "${builtins.toFile "x" "y"}")
