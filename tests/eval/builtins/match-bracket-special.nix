builtins.match "[]a-]+" "a-]"
