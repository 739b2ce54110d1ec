builtins.match "[.*+?]+" ".*+?"
