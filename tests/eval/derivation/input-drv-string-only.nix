let a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; }; d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; ref = "${a}/bin/tool"; }; in d.drvPath
