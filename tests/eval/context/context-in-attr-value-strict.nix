let d = derivation { name = "d"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; in builtins.attrNames (builtins.getContext "${d.dev}")
