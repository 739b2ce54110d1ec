[ (builtins.hasContext "plain") (builtins.hasContext "${builtins.toFile "x" "y"}") ]
