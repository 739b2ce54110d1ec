builtins.toFile "ctx" "content"
