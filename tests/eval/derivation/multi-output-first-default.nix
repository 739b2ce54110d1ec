let d = derivation { name = "m"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "lib" "out" ]; }; in [ d.outputName d.outPath d.lib.outPath ]
