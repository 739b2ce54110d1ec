let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; passAsFile = [ "big" ]; big = "lots of text"; }; in d.drvPath
