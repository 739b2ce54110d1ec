builtins.fromJSON ''"\udc00 x"''
