builtins.fromJSON ''"\u12"''
