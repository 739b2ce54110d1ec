[ (builtins.isPath ./foo) (builtins.isPath "./foo") (builtins.isPath (toString ./foo)) ]
