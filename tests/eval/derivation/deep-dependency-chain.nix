let mk = n: derivation { name = "c${toString n}"; system = "x86_64-linux"; builder = "/bin/sh"; dep = if n == 0 then "" else mk (n - 1); }; in (mk 30).drvPath
