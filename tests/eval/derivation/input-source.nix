let d = derivation { name = "src-user"; system = "x86_64-linux"; builder = "/bin/sh"; src = ./lib/input.txt; }; in [ d.drvPath d.outPath ]
