let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; in { inherit (d) dev; outs = d.outputs or null; }
