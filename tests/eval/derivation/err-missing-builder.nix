(derivation { name = "n"; system = "x86_64-linux"; }).drvPath
