builtins.attrNames (builtins.groupBy (x: "k") [ (throw "e") ])
