let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; greeting = "héllo ☃\n\ttab \"q\""; }; in d.drvPath
