map builtins.hasContext (builtins.match "(.*)-(.*)" "${builtins.toFile "a-b" "1"}")
