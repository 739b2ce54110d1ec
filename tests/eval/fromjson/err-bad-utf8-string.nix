builtins.fromJSON (builtins.readFile ./lib/bad-utf8-string.json)
