let d = derivation { name = "hello-2.12.1"; system = "x86_64-linux"; builder = "/bin/sh"; }; in [ d.drvPath (builtins.parseDrvName d.name) ]
