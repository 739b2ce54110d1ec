with builtins; [ null true false ]
