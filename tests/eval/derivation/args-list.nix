let d = derivation { name = "args"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-e" ./lib/input.txt "x y" ]; }; in d.drvPath
