let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashAlgo = "md5"; outputHash = "5eb63bbbe01eeed093cb22bb8f5acdc3"; }; in [ d.drvPath d.outPath ]
