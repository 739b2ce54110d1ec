let f = builtins.toFile "script" "echo hi"; d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; script = "source ${f}"; }; in [ d.drvPath d.outPath ]
