let d = derivation { name = "fo-sha1"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashAlgo = "sha1"; outputHash = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"; }; in [ d.drvPath d.outPath ]
