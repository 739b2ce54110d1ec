let d = derivation { name = "d"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" "lib" ]; }; in builtins.getContext (d.dev.outPath + d.lib.outPath + d.out.outPath)
