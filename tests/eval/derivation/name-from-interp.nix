let v = "1.0"; d = derivation { name = "pkg-${v}"; system = "x86_64-linux"; builder = "/bin/sh"; }; in d.outPath
