(derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashAlgo = "sha256"; outputHash = "abc"; }).drvPath
