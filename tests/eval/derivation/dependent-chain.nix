let mk = name: deps: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; inherit deps; }; a = mk "a" [ ]; b = mk "b" [ a ]; c = mk "c" [ a b ]; in [ c.drvPath c.outPath ]
