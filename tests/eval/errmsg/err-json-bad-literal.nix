builtins.fromJSON "[tru"
