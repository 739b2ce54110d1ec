let mk = derivation { name = "eq"; system = "x86_64-linux"; builder = "/bin/sh"; }; in [ (mk == mk) (mk.outPath == mk.outPath) ]
