(derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; s = { a = 1; }; }).drvPath
