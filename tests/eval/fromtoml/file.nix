builtins.fromTOML (builtins.readFile ./lib/data.toml)
