# parseDrvName takes a string, not a path.
builtins.parseDrvName ./err-parsedrvname-path.nix
