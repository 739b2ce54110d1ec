builtins.stringLength (toString [ (derivation { name = "d"; system = "x"; builder = "/b"; }) ])
