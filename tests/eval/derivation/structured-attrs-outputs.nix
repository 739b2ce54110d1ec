let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; __structuredAttrs = true; outputs = [ "out" "dev" ]; list = [ 1 "a" true null 1.5 ]; }; in [ d.drvPath d.dev.outPath ]
