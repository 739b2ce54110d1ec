let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "z" "a" "out" ]; }; in [ d.drvPath d.z.outPath d.a.outPath d.out.outPath ]
