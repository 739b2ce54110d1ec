builtins.fromJSON (builtins.readFile ./lib/partial-bom.json)
