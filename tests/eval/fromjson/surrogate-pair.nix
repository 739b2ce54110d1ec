builtins.fromJSON ''"\ud83d\ude42"''
