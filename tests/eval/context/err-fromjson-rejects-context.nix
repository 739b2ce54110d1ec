let d = derivation { name = "d"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; in builtins.hasContext (builtins.fromJSON (builtins.toJSON d.outPath))
