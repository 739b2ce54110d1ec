let root = toString ./.; in builtins.substring (builtins.stringLength root) 100 (toString (builtins.dirOf ./a/b/c))
