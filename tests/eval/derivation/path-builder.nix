let d = derivation { name = "pb"; system = "x86_64-linux"; builder = ./lib/input.txt; }; in [ d.drvPath (baseNameOf d.builder) ]
