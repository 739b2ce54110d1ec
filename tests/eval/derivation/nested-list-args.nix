let a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; }; d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; deps = [ a [ a ] "s" ]; }; in d.drvPath
