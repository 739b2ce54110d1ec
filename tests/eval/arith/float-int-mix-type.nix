builtins.map builtins.typeOf [ (1 + 1) (1 + 1.0) (2 * 1.0) (4 / 2) (4 / 2.0) ]
