let d = derivation { name = "d"; system = "x86_64-linux"; builder = "/bin/sh"; }; in builtins.getContext (builtins.unsafeDiscardOutputDependency d.drvPath)
