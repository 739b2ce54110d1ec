builtins.fromJSON ''"\x"''
