let d = derivation { name = "nulls"; system = "x86_64-linux"; builder = "/bin/sh"; skip = null; __ignoreNulls = true; }; in d.drvPath
