let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; t = true; f = false; }; in d.drvPath
