builtins.attrNames { ${builtins.unsafeDiscardStringContext (builtins.toFile "k" "v")} = 1; }
