builtins.tryEval (builtins.isFunction { __functor = s: x: x; })
