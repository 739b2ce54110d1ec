let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; f = 0.1; g = 1.0e20; }; in d.drvPath
