(derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; x = [ 1 2 ]; }).drvAttrs
