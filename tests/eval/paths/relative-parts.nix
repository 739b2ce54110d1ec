let root = toString ./.; p = toString ./a/b/c; in builtins.substring (builtins.stringLength root) 100 p
